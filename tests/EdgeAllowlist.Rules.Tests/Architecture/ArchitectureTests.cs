using System.Reflection;

namespace EdgeAllowlist.Rules.Tests.Architecture;

/// <summary>The shared rule code stays pure: the API and the CLI both use it, so it brings no web, database or AWS types with it.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void It_references_only_the_runtime()
    {
        var assembly = Assembly.Load("EdgeAllowlist.Rules");

        assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .ShouldAllBe(name => name == "System" || name.StartsWith("System.", StringComparison.Ordinal) || name == "Microsoft.Win32.Primitives");
    }
}
