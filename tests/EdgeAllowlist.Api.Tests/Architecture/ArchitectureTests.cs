using System.Reflection;
using EdgeAllowlist.Testing.Architecture;

namespace EdgeAllowlist.Api.Tests.Architecture;

/// <summary>
/// The dependency rules docs/architecture.md states, checked on the compiled assemblies (signatures and
/// IL, see <see cref="TypeDependencies"/>): infrastructure serves the features and never the reverse,
/// and the store port does not know its AWS client. The rules of the shared projects are in their own
/// test projects (Rules.Tests, Audit.Tests, Aws.Tests: ArchitectureTests), the CLI's in the CLI tests.
/// </summary>
public sealed class ArchitectureTests
{
    const string Features = "EdgeAllowlist.Api.Features";
    const string Infrastructure = "EdgeAllowlist.Api.Infrastructure";

    static readonly Assembly Api = typeof(ServiceRegistration).Assembly;

    [Fact]
    public void No_infrastructure_type_uses_a_feature_type()
    {
        var violations = TypeDependencies.Of(Api)
            .Where(d => In(d.From, Infrastructure) && In(d.To, Features))
            .Select(d => $"{d.From.FullName} uses {d.To.FullName}")
            .Distinct().Order(StringComparer.Ordinal).ToList();

        violations.ShouldBeEmpty();
    }

    [Fact]
    public void The_check_sees_what_the_features_use_of_the_infrastructure()
    {
        // The allowed direction: without these the check above would pass by seeing nothing. An
        // endpoint's handler calls the writer only inside its async body (IL of the state machine).
        var used = TypeDependencies.Of(Api).Where(d => In(d.From, Features) && In(d.To, Infrastructure)).Select(d => (d.From, d.To)).ToList();

        used.ShouldContain(d => d.From.FullName!.StartsWith("EdgeAllowlist.Api.Features.Origins.Add.Endpoint", StringComparison.Ordinal)
            && d.To.FullName == "EdgeAllowlist.Api.Infrastructure.Writer.StoreWriter");
        used.ShouldContain(d => d.From.FullName!.StartsWith("EdgeAllowlist.Api.Features.Origins.Add.Endpoint+<HandleAsync>", StringComparison.Ordinal));
    }

    [Fact]
    public void The_store_does_not_reference_the_aws_clients_or_anything_above_it()
    {
        References(typeof(IKeyValueStore).Assembly).ShouldNotContain(name => name.StartsWith("EdgeAllowlist.", StringComparison.Ordinal));
    }

    static bool In(Type type, string ns) => type.Namespace is { } name && (name == ns || name.StartsWith(ns + ".", StringComparison.Ordinal));

    static List<string> References(Assembly assembly) => [.. assembly.GetReferencedAssemblies().Select(a => a.Name!)];
}
