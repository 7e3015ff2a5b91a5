using System.Net;
using Amazon.Runtime;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Reliability;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Reliability;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Api.Tests.Store;

/// <summary>
/// An SSO profile end to end: the API as a real process with <c>AWS_PROFILE</c> naming an
/// <c>sso-session</c> profile whose token <c>aws sso login</c> has cached; AWSSDK.Core's chain trades the
/// token for role credentials at a fake IAM Identity Center portal (<c>AWS_ENDPOINT_URL_SSO</c>), and the
/// store client signs KVS calls with them. The emulator accepts no other key, so a call that succeeds was
/// signed with them.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SsoProfileTests
{
    const string Account = "123456789012";
    const string RoleName = "EdgeAllowlistApi";

    static readonly ImmutableCredentials Issued = new("ASIAFAKESSOISSUED001", "issued-by-the-fake-portal-" + Guid.NewGuid().ToString("N"), "IQoJb3JpZ2luFAKESSOSESSION" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_api_signs_kvs_calls_with_the_role_credentials_of_a_cached_sso_token_and_the_emulator_verifies_them()
    {
        var accessToken = "aoaAAAAAGFAKE" + Guid.NewGuid().ToString("N");
        await using var portal = await FakeSsoPortal.StartAsync(accessToken, Account, RoleName, Issued);
        await using var emulator = await EmulatedStore.StartAsync(credentials: Issued);
        var data = Directory.CreateTempSubdirectory("ea-sso-").FullName;
        var home = Path.Combine(data, "home");
        var config = FakeSsoPortal.WriteSsoSessionProfile(home, "edge-api", "corp", Account, RoleName, accessToken, DateTimeOffset.UtcNow.AddHours(8));
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.WithoutCredentialSources(ApiSettings.For(emulator.Address, data, token), data);
        settings["HOME"] = home;
        settings["AWS_PROFILE"] = "edge-api";
        settings["AWS_CONFIG_FILE"] = config;
        settings["AWS_ENDPOINT_URL_SSO"] = portal.Endpoint.ToString();

        await using var api = await ApiProcess.StartAsync(settings, readyWithin: TimeSpan.FromMinutes(3));
        using var admin = api.Client(token);
        using var added = await admin.PostJsonAsync("/v1/origins", new { origin = "https://sso.example.com" });

        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        using var store = new KeyValueStoreClient(new() { Arn = ApiSettings.Arn, EndpointOverride = emulator.Address.ToString(), UseEndpointOverrideVerbatim = true },
            new SessionAWSCredentials(Issued.AccessKey, Issued.SecretKey, Issued.Token));
        (await store.GetAsync("o:https://sso.example.com")).ShouldNotBeNull();
        portal.Calls.ShouldNotBeEmpty();
        portal.Calls.ShouldAllBe(c => c == "GetRoleCredentials issued");
    }
}
