using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Origins;

public sealed class AddManyTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_bulk_add_over_50_keys_lands_in_batches_of_at_most_50_each_audited_once()
    {
        using var admin = host.Admin();
        var origins = Enumerable.Range(0, 120).Select(i => $"https://bulk{i:D3}.example.org").ToList();
        var response = await admin.PostJsonAsync("/v1/origins/bulk", new { origins = origins.Select(o => new { origin = o }) });
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        body["added"]!.GetValue<int>().ShouldBe(120);

        foreach (var origin in origins)
            (await host.Service<IKeyValueStore>().GetAsync("o:" + origin)).ShouldNotBeNull();
        var entries = await AuditOf(admin, "origin.add", ".example.org");
        entries.Count.ShouldBe(120);
        entries.Select(e => e.Target).ShouldBe(origins, ignoreOrder: true);
        // Entries written by one UpdateKeys call share its ETag pair.
        entries.GroupBy(e => e.ETagAfter).Select(g => g.Count()).ShouldAllBe(n => n <= 50);
        entries.GroupBy(e => e.ETagAfter).Count().ShouldBe(3);

        var again = await (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = origins.Select(o => new { origin = o }) })).JsonAsync();
        again["unchanged"]!.GetValue<int>().ShouldBe(120);
    }

    [Fact]
    public async Task A_change_over_several_batches_sends_every_restriction_before_any_relaxation()
    {
        using var admin = host.Admin();
        var existing = Enumerable.Range(0, 60).Select(i => $"https://old{i:D2}.order.example").ToList();
        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = existing.Select(o => new { origin = o }) })).EnsureSuccessStatusCode();

        // Giving existing origins an expiry narrows the rule set; adding new origins widens it.
        var expires = DateTimeOffset.UtcNow.AddDays(2);
        var added = Enumerable.Range(0, 60).Select(i => $"https://new{i:D2}.order.example").ToList();
        var items = added.Select(o => new { origin = o, expiresAt = (DateTimeOffset?)null })
            .Concat(existing.Select(o => new { origin = o, expiresAt = (DateTimeOffset?)expires }))
            .ToList();
        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = items })).EnsureSuccessStatusCode();

        var entries = (await AuditOf(admin, "origin.add", ".order.example")).OrderBy(e => e.Seq).ToList();
        var change = entries.Skip(60).ToList();
        change.Count.ShouldBe(120);
        var lastRestriction = change.Where(e => e.Before is not null).Max(e => e.Seq);
        var firstRelaxation = change.Where(e => e.Before is null).Min(e => e.Seq);
        lastRestriction.ShouldBeLessThan(firstRelaxation);

        // Replaying the calls one by one: every intermediate rule set allows no more than the old one or no more than the new one.
        var before = existing.ToDictionary(o => o, _ => long.MaxValue);
        var after = added.ToDictionary(o => o, _ => long.MaxValue);
        foreach (var origin in existing)
            after[origin] = expires.ToUnixTimeSeconds();
        var current = new Dictionary<string, long>(before);
        var calls = change.GroupBy(e => e.ETagAfter).ToList();
        calls.Count.ShouldBe(3);
        foreach (var call in calls)
        {
            foreach (var entry in call)
                current[entry.Target] = Expiry(entry.After!);
            (AllowsNoMoreThan(current, before) || AllowsNoMoreThan(current, after)).ShouldBeTrue();
        }
        current.ShouldBe(after, ignoreOrder: true);
    }

    [Fact]
    public async Task One_bad_origin_refuses_the_whole_request_naming_its_position()
    {
        using var admin = host.Admin();
        var etag = (await host.Service<IKeyValueStore>().DescribeAsync()).ETag;
        var problem = await (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = new object[] { new { origin = "https://fine.example.net" }, new { origin = "https://bad.example.net/path" } } }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("origins[1].origin");
        (await host.Service<IKeyValueStore>().DescribeAsync()).ETag.ShouldBe(etag);
    }

    [Fact]
    public async Task Parallel_adds_from_several_clients_all_land_each_audited_exactly_once_and_the_chain_verifies()
    {
        using var admin = host.Admin();
        var tokens = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var created = await (await admin.PostJsonAsync("/v1/tokens", new { name = $"parallel-{i}", scopes = new[] { "rules:write" } })).JsonAsync();
            tokens.Add(created["token"]!.GetValue<string>());
        }
        var clients = tokens.Select(t => host.Client(t)).ToList();
        var origins = Enumerable.Range(0, 200).Select(i => $"https://p{i:D3}.parallel.example").ToList();
        var responses = await Task.WhenAll(origins.Select((o, i) => clients[i % clients.Count].PostJsonAsync("/v1/origins", new { origin = o })));
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);

        var state = await host.Service<IKeyValueStore>().ListAllAsync();
        origins.ShouldAllBe(o => state.ContainsKey("o:" + o));
        var entries = await AuditOf(admin, "origin.add", ".parallel.example");
        entries.Count.ShouldBe(200);
        entries.Select(e => e.Target).Distinct().Count().ShouldBe(200);
        entries.Select(e => e.Actor).Distinct().Order().ShouldBe(["parallel-0", "parallel-1", "parallel-2", "parallel-3"]);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
        foreach (var client in clients)
            client.Dispose();
    }

    static long Expiry(string value) => System.Text.Json.Nodes.JsonNode.Parse(value)!["exp"]?.GetValue<long>() ?? long.MaxValue;

    static bool AllowsNoMoreThan(Dictionary<string, long> rules, Dictionary<string, long> limit) =>
        rules.All(r => limit.TryGetValue(r.Key, out var until) && r.Value <= until);

    static async Task<List<AuditRow>> AuditOf(HttpClient admin, string action, string targetSuffix)
    {
        var rows = new List<AuditRow>();
        string? cursor = null;
        do
        {
            var page = await admin.GetJsonAsync($"/v1/audit?action={action}&limit=1000{(cursor is null ? "" : "&cursor=" + cursor)}");
            rows.AddRange(page["items"]!.AsArray().Select(i => new AuditRow(
                i!["seq"]!.GetValue<long>(), i["actor"]!.GetValue<string>(), i["target"]!.GetValue<string>(),
                i["before"]?.GetValue<string>(), i["after"]?.GetValue<string>(), i["eTagAfter"]?.GetValue<string>())));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        return [.. rows.Where(r => r.Target.EndsWith(targetSuffix, StringComparison.Ordinal))];
    }

    sealed record AuditRow(long Seq, string Actor, string Target, string? Before, string? After, string? ETagAfter);
}
