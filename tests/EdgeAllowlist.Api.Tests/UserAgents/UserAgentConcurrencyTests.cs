using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.UserAgents;

public sealed class UserAgentConcurrencyTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Patterns_added_in_parallel_by_several_clients_are_all_kept()
    {
        var clients = Enumerable.Range(0, 4).Select(_ => host.Admin()).ToList();
        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(i =>
            clients[i % clients.Count].PostJsonAsync("/v1/user-agents", new { list = i % 3 == 0 ? "deny" : "allow", kind = "substring", pattern = $"Agent-{i:D2}/" })));
        var statuses = await Task.WhenAll(responses.Select(async r => $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}"));
        statuses.ShouldAllBe(s => s.StartsWith("201"), string.Join("\n", statuses));
        var listed = await clients[0].GetJsonAsync("/v1/user-agents");
        var patterns = listed["allow"]!.AsArray().Concat(listed["deny"]!.AsArray()).Select(r => r!["pattern"]!.GetValue<string>()).ToList();
        patterns.Order().ShouldBe(Enumerable.Range(0, 24).Select(i => $"Agent-{i:D2}/").Order());
        (await clients[0].GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
        clients.ForEach(c => c.Dispose());
    }
}
