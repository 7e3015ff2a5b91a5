using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Secrets;

/// <summary>The calls the partner, secret, User-Agent and simulate tests make again and again.</summary>
public static class PartnerCalls
{
    public const string Domain = "d111111abcdef8.cloudfront.net";
    public const string MediaTailorUserAgent = "AmazonElementalMediaTailor/1.0";
    public const string ChromeUserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static async Task<string> CreateTokenAsync(this ApiHost host, string name, string[] scopes, string[]? partners = null)
    {
        using var admin = host.Admin();
        var response = await admin.PostJsonAsync("/v1/tokens", new { name, scopes, partners });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body.ToJsonString());
        return body["token"]!.GetValue<string>();
    }

    public static async Task CreatePartnerAsync(this HttpClient client, string id, string scope = "manifests")
    {
        var response = await client.PostJsonAsync("/v1/partners", new { id, scope });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POSTs and returns the issued secret's body, asserting 201.</summary>
    public static async Task<JsonNode> IssueAsync(this HttpClient client, string path, object body, string? idempotencyKey = null)
    {
        var response = await client.PostJsonAsync(path, body, idempotencyKey);
        var json = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, json.ToJsonString());
        return json;
    }

    public static Task<JsonNode> CreateSecretAsync(this HttpClient client, string partner) =>
        client.IssueAsync($"/v1/partners/{partner}/secrets", new { distributionDomain = Domain });

    public static async Task<JsonNode> SimulateAsync(this HttpClient client, string uri, Dictionary<string, string>? headers = null, DateTimeOffset? at = null, string? query = null)
    {
        var response = await client.PostJsonAsync("/v1/simulate", new { uri, query, headers, at });
        var json = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, json.ToJsonString());
        return json;
    }

    /// <summary>MediaTailor's template-manifest fetch: the secret prefix from VideoContentSourceUrl, no Origin.</summary>
    public static Task<JsonNode> SimulateMediaTailorAsync(this HttpClient client, string secret, DateTimeOffset? at = null) =>
        client.SimulateAsync($"/_p/{secret}/test/ACCUSSED_Stereo.m3u8", new() { ["user-agent"] = MediaTailorUserAgent }, at);

    public static string Text(this JsonNode node, string member) => node[member]?.GetValue<string>() ?? "";

    /// <summary>The newest audit entry's sequence number.</summary>
    public static async Task<long> AuditHeadAsync(this HttpClient admin) =>
        (await admin.GetJsonAsync("/v1/audit?limit=1"))["items"]!.AsArray().Single()!["seq"]!.GetValue<long>();

    /// <summary>Every byte the service keeps on disk (database, write-ahead logs, local store), for "never stored in clear" checks.</summary>
    public static string EverythingOnDisk(this ApiHost host) =>
        string.Concat(Directory.EnumerateFiles(host.DataDirectory, "*", SearchOption.AllDirectories)
            .Where(path => !path.EndsWith(".lock", StringComparison.Ordinal)) // held exclusively by the running store, and empty
            .Select(ReadShared));

    /// <summary>Every value of every row of every table, as text: "grep the database" on SQLite and PostgreSQL alike.</summary>
    public static async Task<string> EverythingInDatabaseAsync(this ApiHost host)
    {
        var text = new StringBuilder();
        await using var connection = await host.Service<IDatabase>().OpenAsync();
        foreach (var table in (string[])["api_tokens", "audit_entries", "idempotent_requests", "kvs_snapshot", "kvs_state", "origin_notes", "partners", "partner_secrets"])
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table}";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                for (var i = 0; i < reader.FieldCount; i++)
                    text.Append(reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).Append('\t');
        }
        return text.ToString();
    }

    static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return reader.ReadToEnd();
    }
}
