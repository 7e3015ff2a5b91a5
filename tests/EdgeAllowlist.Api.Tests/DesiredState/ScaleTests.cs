using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.DesiredState;

/// <summary>
/// Desired state past SQLite's 32,766 bound variables: 40,000 origins (the bench takes 150,000).
/// Plan, apply and export read the notes in one pass, so no query grows with the number of origins.
/// </summary>
public sealed class ScaleTests(ApiHost host) : IClassFixture<ApiHost>
{
    const int Origins = 40_000;

    [Fact]
    public async Task Apply_export_and_plan_of_40000_origins_answer_and_agree()
    {
        using var admin = host.Admin();
        admin.Timeout = TimeSpan.FromMinutes(10);
        var document = new JsonObject
        {
            ["version"] = 1,
            ["origins"] = new JsonArray([.. Enumerable.Range(0, Origins).Select(i => (JsonNode)DesiredStateCalls.Origin(Name(i), note: i % 10 == 0 ? $"note {i}" : null))]),
        };

        var applied = await admin.ApplyOkAsync(document, force: true);
        applied["plan"]!.AsObject().Count("additions").ShouldBe(Origins);

        var exported = await admin.ExportAsync();
        exported.OriginNames().Count().ShouldBe(Origins);
        exported["origins"]!.AsArray().Count(o => o!["note"] is not null).ShouldBe(Origins / 10);
        exported["origins"]!.AsArray().Single(o => o!["origin"]!.GetValue<string>() == Name(20_000))!["note"]!.GetValue<string>().ShouldBe("note 20000");

        var plan = await admin.PlanAsync(exported);
        plan["changes"]!.AsArray().ShouldBeEmpty();

        // A plan that changes every note and removes half the origins still answers.
        var changed = new JsonObject
        {
            ["version"] = 1,
            ["origins"] = new JsonArray([.. Enumerable.Range(0, Origins / 2).Select(i => (JsonNode)DesiredStateCalls.Origin(Name(i), note: $"new {i}"))]),
        };
        var replanned = await admin.PlanAsync(changed);
        replanned.Count("deletions").ShouldBe(Origins / 2);
        replanned.Count("changes").ShouldBe(Origins / 2);
    }

    static string Name(int i) => $"https://s{i:D5}.example.com";
}
