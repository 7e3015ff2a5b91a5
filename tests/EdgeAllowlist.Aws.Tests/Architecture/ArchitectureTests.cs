using EdgeAllowlist.Aws.KeyValueStore;

namespace EdgeAllowlist.Aws.Tests.Architecture;

/// <summary>The AWS clients know the store's port (the KVS client implements it) and no other project of ours.</summary>
public sealed class ArchitectureTests
{
    [Fact]
    public void The_aws_clients_reference_only_the_store_port_among_the_projects()
    {
        typeof(KeyValueStoreClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(name => name.StartsWith("EdgeAllowlist.", StringComparison.Ordinal))
            .ShouldBe(["EdgeAllowlist.Store"]);
    }
}
