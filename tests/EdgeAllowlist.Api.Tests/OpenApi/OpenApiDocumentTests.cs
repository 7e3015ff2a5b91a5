using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.OpenApi;

/// <summary>
/// openapi/v1.json is generated from the endpoints and committed; this fails when the two drift.
/// Regenerate with EDGE_ALLOWLIST_UPDATE_OPENAPI=1 dotnet test tests/EdgeAllowlist.Api.Tests --filter OpenApi.
/// </summary>
public sealed class OpenApiDocumentTests(SharedApiHost host) : IClassFixture<SharedApiHost>
{
    [Fact]
    public async Task The_committed_document_matches_the_one_generated_from_the_endpoints()
    {
        var generated = JsonNode.Parse(await host.Client().GetStringAsync("/swagger/v1/swagger.json"))!.AsObject();
        // The servers list names the host that asked (a random test port): not part of the contract.
        generated.Remove("servers");
        // x-generator names the NSwag build that wrote the document: tooling, not something the API promises.
        generated.Remove("x-generator");
        var text = generated.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        var path = Path.Combine(RepositoryPaths.Root, "openapi", "v1.json");
        if (Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text);
        }
        File.Exists(path).ShouldBeTrue($"{path} is missing; generate it with EDGE_ALLOWLIST_UPDATE_OPENAPI=1");
        (await File.ReadAllTextAsync(path)).ShouldBe(text, "openapi/v1.json is out of date; regenerate it with EDGE_ALLOWLIST_UPDATE_OPENAPI=1");
    }

}
