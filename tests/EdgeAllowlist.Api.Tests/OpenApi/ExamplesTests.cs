using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.OpenApi;

/// <summary>The document a newcomer meets in Scalar: real examples, the scope names, bearer preselected, no upsell.</summary>
public sealed class ExamplesTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    static JsonObject? Examples(JsonNode document, string path, string method) =>
        document["paths"]![path]![method]!["requestBody"]!["content"]!["application/json"]!["examples"]?.AsObject();

    [Fact]
    public async Task The_document_carries_real_examples_and_the_scope_names()
    {
        using var client = host.Client();
        var document = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;

        var simulate = Examples(document, "/v1/simulate", "post").ShouldNotBeNull();
        simulate.Select(e => e.Key).ShouldBe(["MediaTailor template fetch", "Player manifest", "Segment", "Forged MediaTailor UA"]);
        simulate["MediaTailor template fetch"]!["value"]!["uri"]!.GetValue<string>().ShouldMatch("^/_p/ealp_[A-Za-z0-9_-]{43}/test/ACCUSSED_Stereo.m3u8$");
        Examples(document, "/v1/origins", "post").ShouldNotBeNull()["A site"]!["value"]!["origin"]!.GetValue<string>().ShouldBe("https://www.example.com");
        Examples(document, "/v1/partners/{partner}/secrets", "post").ShouldNotBeNull()["MediaTailor secret"]!["value"]!["distributionDomain"]!.GetValue<string>()
            .ShouldBe("d111111abcdef8.cloudfront.net");
        var scopes = document["components"]!["schemas"]!["TokensCreateRequest"]!["properties"]!["scopes"]!["items"]!["enum"]!.AsArray();
        scopes.Select(s => s!.GetValue<string>()).ShouldBe(ApiScopes.All);

        // Each example is accepted by the API as it stands (the secret one is shaped like a secret, so it is merely unknown).
        using var admin = host.Admin();
        foreach (var (name, example) in simulate)
        {
            var answer = await admin.PostAsync("/v1/simulate", new StringContent(example!["value"]!.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
            answer.IsSuccessStatusCode.ShouldBeTrue($"{name}: {await answer.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Scalar_preselects_the_bearer_scheme_and_shows_no_promotional_buttons_or_remote_fonts()
    {
        using var client = host.Client();
        var page = await client.GetStringAsync("/docs/");
        page.ShouldContain("\"preferredSecurityScheme\":[\"ApiToken\"]");
        page.ShouldContain("\"hideClientButton\":true");
        page.ShouldContain("\"showDeveloperTools\":\"never\"");
        page.ShouldContain("\"agent\":{\"disabled\":true}");
        page.ShouldContain("\"mcp\":{\"disabled\":true}");
        page.ShouldContain("\"withDefaultFonts\":false");
    }
}
