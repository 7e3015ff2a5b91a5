using System.Net;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Reliability;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Reliability;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Api.Tests.Store;

/// <summary>
/// Web identity (EKS IRSA, GitHub Actions OIDC) end to end: the API as a real process finds
/// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, AWSSDK.Core's chain calls AssumeRoleWithWebIdentity on
/// a fake STS reached through AWS_ENDPOINT_URL_STS, and the store client signs KVS calls with the
/// temporary credentials it got; the emulator accepts no other key, so each call that succeeds was
/// signed with them.
/// </summary>
[Trait("Category", "Slow")]
public sealed class WebIdentityTests
{
    static readonly TimeSpan ReadyWithin = TimeSpan.FromMinutes(3);
    const string Role = "arn:aws:iam::123456789012:role/edge-allowlist";
    const string WebIdentityToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZWRnZTphbGxvd2xpc3QifQ.c2lnbmF0dXJl";

    static readonly ImmutableCredentials Issued = new("ASIAFAKESTSISSUED001", "issued-by-the-fake-sts-" + Guid.NewGuid().ToString("N"), "FQoGZXIvYXdzEFAKESESSIONTOKEN" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_api_signs_kvs_calls_with_web_identity_credentials_from_sts_and_the_emulator_verifies_them()
    {
        await using var sts = await FakeSts.StartAsync(WebIdentityToken, Role, Issued);
        await using var emulator = await EmulatedStore.StartAsync(credentials: Issued);
        var data = Directory.CreateTempSubdirectory("ea-webid-").FullName;
        var token = ApiSettings.NewAdminToken();

        await using var api = await ApiProcess.StartAsync(WebIdentitySettings(emulator.Address, data, token, sts.Endpoint, WebIdentityToken), readyWithin: ReadyWithin);
        using var admin = api.Client(token);
        using var added = await admin.PostJsonAsync("/v1/origins", new { origin = "https://web-identity.example.com" });

        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        using var store = new KeyValueStoreClient(new() { Arn = ApiSettings.Arn, EndpointOverride = emulator.Address.ToString(), UseEndpointOverrideVerbatim = true },
            new SessionAWSCredentials(Issued.AccessKey, Issued.SecretKey, Issued.Token));
        (await store.GetAsync("o:https://web-identity.example.com")).ShouldNotBeNull();
        sts.Calls.ShouldNotBeEmpty();
        sts.Calls.ShouldAllBe(c => c == "AssumeRoleWithWebIdentity issued");
    }

    [Fact]
    public async Task A_web_identity_token_sts_refuses_leaves_the_api_unready_with_one_line_naming_the_source_and_the_fix()
    {
        await using var sts = await FakeSts.StartAsync(WebIdentityToken, Role, Issued);
        await using var emulator = await EmulatedStore.StartAsync(credentials: Issued);
        var data = Directory.CreateTempSubdirectory("ea-webid-").FullName;
        var settings = WebIdentitySettings(emulator.Address, data, ApiSettings.NewAdminToken(), sts.Endpoint, "not-the-token-sts-expects");

        await using var api = ApiProcess.Start(settings);
        var logged = await FirstLogLineAsync(api, "No AWS credentials from");

        var exception = JsonNode.Parse(logged)!["Exception"]!.GetValue<string>();
        exception.ShouldContain($"No AWS credentials from web identity (AWS_WEB_IDENTITY_TOKEN_FILE={Path.Combine(data, "web-identity-token")}, AWS_ROLE_ARN={Role}");
        exception.ShouldContain("InvalidIdentityToken");
        exception.ShouldContain("Fix: check that the token file exists");
        sts.Calls.ShouldContain("AssumeRoleWithWebIdentity InvalidIdentityToken");
        // The failure is logged by the start-up integrity check, before Kestrel listens: wait for it to answer.
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        (await ReadinessAsync(http)).ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    static async Task<HttpStatusCode> ReadinessAsync(HttpClient http)
    {
        for (var waited = TimeSpan.Zero; ; waited += TimeSpan.FromMilliseconds(200))
        {
            try
            {
                return (await http.GetAsync("/readyz")).StatusCode;
            }
            catch (HttpRequestException) when (waited < ReadyWithin)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The first JSON log line that contains <paramref name="text"/>; starting the API takes a while on a busy machine.</summary>
    static async Task<string> FirstLogLineAsync(ApiProcess api, string text)
    {
        for (var waited = TimeSpan.Zero; waited < ReadyWithin; waited += TimeSpan.FromMilliseconds(200))
        {
            if (api.StandardOutput.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
                return line;
            await Task.Delay(200);
        }
        throw new TimeoutException($"No log line with '{text}' within {ReadyWithin}:\n{api.Tail}");
    }

    /// <summary>
    /// The API on the emulator with web identity as the only credential source: the example keys the
    /// reliability settings carry, and any this test process has, are removed, and no profile file is read.
    /// </summary>
    static Dictionary<string, string> WebIdentitySettings(Uri emulator, string data, string adminToken, Uri sts, string webIdentityToken)
    {
        var tokenFile = Path.Combine(data, "web-identity-token");
        File.WriteAllText(tokenFile, webIdentityToken);
        var settings = ApiSettings.WithoutCredentialSources(ApiSettings.For(emulator, data, adminToken), data);
        settings["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile;
        settings["AWS_ROLE_ARN"] = Role;
        settings["AWS_ROLE_SESSION_NAME"] = "edge-allowlist-test";
        settings["AWS_ENDPOINT_URL_STS"] = sts.ToString();
        return settings;
    }
}
