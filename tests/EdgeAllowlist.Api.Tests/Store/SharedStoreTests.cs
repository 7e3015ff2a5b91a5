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

    // The three repros of issue 11: instance B answers from a state that instance A has moved on
    // from. Each answer must be computed against the store's current ETag, re-reading first.

    [Fact]
    public async Task Deleting_via_one_instance_what_the_other_added_answers_204_and_removes_it_from_the_store()
    {
        await WithSecondInstanceAsync(async (a, b, direct) =>
        {
            const string origin = "https://repro1.shared.example";
            (await b.GetAsync("/v1/origins?limit=1")).EnsureSuccessStatusCode();
            (await a.PostJsonAsync("/v1/origins", new { origin })).StatusCode.ShouldBe(HttpStatusCode.Created);

            var response = await b.DeleteAsync($"/v1/origins/{origin}?force=true");

            response.StatusCode.ShouldBe(HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
            (await direct.ListAllAsync()).ShouldNotContainKey("o:" + origin);
        });
    }

    [Fact]
    public async Task Adding_via_one_instance_what_the_other_deleted_after_it_was_read_answers_201_and_puts_it_in_the_store()
    {
        await WithSecondInstanceAsync(async (a, b, direct) =>
        {
            const string origin = "https://repro2.shared.example";
            (await a.PostJsonAsync("/v1/origins", new { origin })).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await b.GetJsonAsync($"/v1/origins/{origin}"))["origin"]!.GetValue<string>().ShouldBe(origin);
            (await a.DeleteAsync($"/v1/origins/{origin}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

            var response = await b.PostJsonAsync("/v1/origins", new { origin });

            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            (await direct.ListAllAsync()).ShouldContainKey("o:" + origin);
        });
    }

    [Fact]
    public async Task Bulk_adding_via_one_instance_what_the_other_deleted_after_it_was_read_says_added_and_puts_it_in_the_store()
    {
        await WithSecondInstanceAsync(async (a, b, direct) =>
        {
            const string origin = "https://repro3.shared.example";
            (await a.PostJsonAsync("/v1/origins", new { origin })).StatusCode.ShouldBe(HttpStatusCode.Created);
            (await b.GetJsonAsync($"/v1/origins/{origin}"))["origin"]!.GetValue<string>().ShouldBe(origin);
            (await a.DeleteAsync($"/v1/origins/{origin}?force=true")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

            var response = await b.PostJsonAsync("/v1/origins/bulk", new { origins = new[] { new { origin } } });

            var body = await response.JsonAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
            body["added"]!.GetValue<int>().ShouldBe(1, body.ToJsonString());
            body["unchanged"]!.GetValue<int>().ShouldBe(0);
            (await direct.ListAllAsync()).ShouldContainKey("o:" + origin);
        });
    }

    async Task WithSecondInstanceAsync(Func<HttpClient, HttpClient, IKeyValueStore, Task> test)
    {
        // B's secret sweep reads the state every 200 ms in tests, which would re-read the mirror by
        // chance and hide a stale answer: slow it down so only the request under test reads.
        var second = host.NewInstance(new Dictionary<string, string?> { ["Secrets:SweepInterval"] = "01:00:00" });
        await second.InitializeAsync();
        try
        {
            using var a = host.Api.Admin();
            using var b = second.Admin();
            using var direct = host.DirectClient();
            await test(a, b, direct);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }
}
