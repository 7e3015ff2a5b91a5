using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Store;

/// <summary>Two instances of the service on one store and one PostgreSQL database, writing at the same time.</summary>
public sealed class SharedStoreTests(SharedPostgresEmulatorApiHost host) : IClassFixture<SharedPostgresEmulatorApiHost>
{
    [Fact]
    public async Task Two_instances_never_lose_each_others_writes_nor_mistake_them_for_external_changes()
    {
        var second = host.NewInstance();
        await second.InitializeAsync();
        try
        {
            using var first = host.Api.Admin();
            using var other = second.Admin();
            var origins = Enumerable.Range(0, 60).Select(i => $"https://i{i:D2}.shared.example").ToList();
            var responses = await Task.WhenAll(origins.Select((o, i) => (i % 2 == 0 ? first : other).PostJsonAsync("/v1/origins", new { origin = o })));
            responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);

            using var direct = host.DirectClient();
            var stored = await direct.ListAllAsync();
            origins.ShouldAllBe(o => stored.ContainsKey("o:" + o));
            var audit = await first.GetJsonAsync("/v1/audit?action=origin.add&limit=1000");
            audit["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>()).Where(t => t.EndsWith(".shared.example")).Order()
                .ShouldBe(origins.Order());
            (await first.GetJsonAsync("/v1/audit?action=kvs.external-change"))["items"]!.AsArray().ShouldBeEmpty();
            (await other.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
            (await other.GetJsonAsync("/v1/origins/https://i00.shared.example"))["origin"]!.GetValue<string>().ShouldBe("https://i00.shared.example");
        }
        finally
        {
            await second.DisposeAsync();
        }
    }
}
