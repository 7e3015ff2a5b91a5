using System.Reflection;

namespace EdgeAllowlist.Cli.Tests.Architecture;

/// <summary>
/// The CLI is a client of the admin API over HTTP, not a second copy of the server: it shares code with
/// the API through EdgeAllowlist.Rules, EdgeAllowlist.Audit, EdgeAllowlist.Aws and EdgeAllowlist.EdgeFunction,
/// and references no API assembly (nor the web, database and OpenAPI packages the API brings).
/// </summary>
public sealed class ArchitectureTests
{
    static readonly Assembly Cli = typeof(EdgeAllowlistCli).Assembly;

    [Fact]
    public void The_cli_references_no_api_assembly()
    {
        // Compiled references: a type used from the API, even one, would put EdgeAllowlist.Api here.
        References(Cli).ShouldNotContain(name => name.StartsWith("EdgeAllowlist.Api", StringComparison.Ordinal));
    }

    [Fact]
    public void The_cli_deploys_without_the_api()
    {
        // The dependency file lists what dotnet publish ships: a ProjectReference to the API would list
        // it even if no API type were used, which the compiled references above cannot see.
        var deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "EdgeAllowlist.Cli.deps.json"));
        var libraries = System.Text.Json.Nodes.JsonNode.Parse(deps)!["libraries"]!.AsObject().Select(l => l.Key).ToList();

        libraries.ShouldContain(name => name.StartsWith("EdgeAllowlist.Rules/", StringComparison.Ordinal));
        libraries.ShouldNotContain(name => name.StartsWith("EdgeAllowlist.Api/", StringComparison.Ordinal));
        libraries.ShouldNotContain(name => name.StartsWith("FastEndpoints", StringComparison.Ordinal));
    }

    [Fact]
    public void The_check_sees_the_cli_references()
    {
        // Without this the first check would pass by reading nothing.
        References(Cli).ShouldContain("EdgeAllowlist.Rules");
        References(Cli).ShouldContain("EdgeAllowlist.EdgeFunction");
    }

    static List<string> References(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];
}
