using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Database;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAllowlist.Cli.Tests.Fixtures;

/// <summary>
/// The real admin API on Kestrel at 127.0.0.1 and a random port, on its embedded defaults (SQLite
/// file and local store in a temporary folder), with a known bootstrap admin token.
/// </summary>
public sealed class AdminApiHost : IAsyncLifetime
{
    readonly string dataDirectory = Directory.CreateTempSubdirectory("edge-allowlist-cli-api-").FullName;
    // The factory needs any public type of the API assembly; Program would be ambiguous with the CLI's.
    readonly WebApplicationFactory<SqliteDatabase> factory;

    public AdminApiHost()
    {
        factory = new WebApplicationFactory<SqliteDatabase>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("DataDirectory", dataDirectory);
            builder.UseSetting("EDGE_ALLOWLIST_BOOTSTRAP_TOKEN", AdminToken);
            // The API needs the distribution a secret's MediaTailor URL points at; this is the docs' example domain.
            builder.UseSetting("Secrets:DistributionDomain", "d111111abcdef8.cloudfront.net");
        });
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
    }

    public string AdminToken { get; } = "ea_cli_tests_" + Guid.NewGuid().ToString("N");

    public Uri BaseAddress { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        factory.StartServer();
        BaseAddress = new(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        using var client = new HttpClient { BaseAddress = BaseAddress };
        // Ready means the API has read the store and written its default policy.
        while ((await client.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK)
            await Task.Delay(20);
    }

    /// <summary>Allows an origin through the API as the admin, which writes one audit entry.</summary>
    public async Task AddOriginAsync(string origin) => await PostAsync("/v1/origins", new { origin });

    /// <summary><c>PATCH /v1/settings</c> as the admin.</summary>
    public async Task UpdateSettingsAsync(object settings)
    {
        using var client = Admin();
        (await client.PatchAsJsonAsync("/v1/settings", settings)).EnsureSuccessStatusCode();
    }

    public async Task CreatePartnerAsync(string id, string scope = "manifests") => await PostAsync("/v1/partners", new { id, scope });

    /// <summary>A new secret for <paramref name="partner"/>, in clear (the test plays MediaTailor's operator).</summary>
    public async Task<string> CreateSecretAsync(string partner) =>
        (await PostAsync($"/v1/partners/{partner}/secrets", new { distributionDomain = "d111111abcdef8.cloudfront.net" }))["secret"]!.GetValue<string>();

    /// <summary>Rotates through the API as the admin (the previous secrets get an hour of grace); returns the new secret's id.</summary>
    public async Task<string> RotateAsync(string partner) =>
        (await PostAsync($"/v1/partners/{partner}/secrets/rotate", new { graceSeconds = 3600, distributionDomain = "d111111abcdef8.cloudfront.net" }))["id"]!.GetValue<string>();

    public async Task<JsonArray> SecretsAsync(string partner)
    {
        using var client = Admin();
        return (await client.GetFromJsonAsync<JsonObject>($"/v1/partners/{partner}/secrets"))!["items"]!.AsArray();
    }

    /// <summary>What the real function file decides for a GET of <paramref name="uri"/> on the API's store: pass or deny.</summary>
    public async Task<string> DecisionAsync(string uri) =>
        (await PostAsync("/v1/simulate", new { method = "GET", uri }))["action"]!.GetValue<string>();

    /// <summary>A token with exactly these grants, in clear.</summary>
    public async Task<string> CreateTokenAsync(string name, string[] scopes, string[]? partners = null) =>
        (await PostAsync("/v1/tokens", new { name, scopes, partners }))["token"]!.GetValue<string>();

    /// <summary>Writes a key straight into the API's store, as another tool sharing the store would.</summary>
    public async Task PutForeignKeyAsync(string key, string value)
    {
        var store = factory.Services.GetRequiredService<EdgeAllowlist.Store.IKeyValueStore>();
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new(key, value)], []);
    }

    public async Task DeleteForeignKeyAsync(string key)
    {
        var store = factory.Services.GetRequiredService<EdgeAllowlist.Store.IKeyValueStore>();
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [], [key]);
    }

    async Task<JsonObject> PostAsync(string path, object body)
    {
        using var client = Admin();
        var response = await client.PostAsJsonAsync(path, body);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    HttpClient Admin()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return client;
    }

    public async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        Directory.Delete(dataDirectory, recursive: true);
        File.Delete(EdgeAllowlist.Api.Infrastructure.Audit.AuditOptions.KeyFileFor(dataDirectory));
    }
}
