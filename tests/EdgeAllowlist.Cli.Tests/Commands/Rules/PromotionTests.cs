using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Rules;

/// <summary>Two real admin APIs, each with its own data folder (SQLite and local store): stage and prod.</summary>
public sealed class StageAndProd : IAsyncLifetime
{
    public AdminApiHost Stage { get; } = new();

    public AdminApiHost Prod { get; } = new();

    public async Task InitializeAsync()
    {
        await Stage.InitializeAsync();
        await Prod.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Stage.DisposeAsync();
        await Prod.DisposeAsync();
    }
}

public sealed class PromotionTests(StageAndProd environments) : IClassFixture<StageAndProd>
{
    Task<CliRun> Promote(params string[] args) =>
        CliRun.RunWithApiTokensAsync(environments.Prod.AdminToken, environments.Stage.AdminToken, "",
            [.. args, "--from", environments.Stage.BaseAddress.ToString(), "--to", environments.Prod.BaseAddress.ToString()]);

    Task<CliRun> ExportJson(AdminApiHost host) =>
        CliRun.RunWithApiTokensAsync(host.AdminToken, null, "", "export", "--api", host.BaseAddress.ToString(), "--output", "json");

    [Fact]
    public async Task Plan_from_stage_to_prod_shows_the_differences_and_apply_makes_prod_equal_stage()
    {
        await environments.Stage.AddOriginAsync("https://app.promote.example");
        await environments.Stage.AddOriginAsync("https://beta.promote.example");
        await environments.Stage.CreatePartnerAsync("promoted-partner", "all");
        await environments.Prod.AddOriginAsync("https://legacy.promote.example");
        await environments.Prod.CreatePartnerAsync("prod-only");

        var plan = await Promote("plan", "--output", "json");

        plan.ExitCode.ShouldBe(ExitCodes.Ok, plan.Out + plan.Error);
        var changes = plan.Json["changes"]!.AsArray().Select(c => $"{c!["op"]} {c["kind"]} {c["id"]}").ToList();
        changes.ShouldBe(["remove origin https://legacy.promote.example", "add origin https://app.promote.example", "add origin https://beta.promote.example", "add partner promoted-partner"], ignoreOrder: true);
        (await ExportJson(environments.Prod)).Json["origins"]!.AsArray().Count.ShouldBe(1);

        var applied = await Promote("apply", "--yes", "--force"); // prod loses what stage lacks: built-in expectations flip

        applied.ExitCode.ShouldBe(ExitCodes.Ok, applied.Out + applied.Error);
        var stage = (await ExportJson(environments.Stage)).Json;
        var prod = (await ExportJson(environments.Prod)).Json;
        prod["origins"]!.ToJsonString().ShouldBe(stage["origins"]!.ToJsonString());
        prod["userAgents"]!.ToJsonString().ShouldBe(stage["userAgents"]!.ToJsonString());
        prod["settings"]!.ToJsonString().ShouldBe(stage["settings"]!.ToJsonString());
        prod["partners"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ShouldBe(["prod-only", "promoted-partner"]);
        (await Promote("plan", "--output", "json")).Json["changes"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Promotion_without_the_source_token_sends_nothing()
    {
        var run = await CliRun.RunWithApiTokensAsync(environments.Prod.AdminToken, null, "",
            "plan", "--from", environments.Stage.BaseAddress.ToString(), "--to", environments.Prod.BaseAddress.ToString());

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("EDGE_ALLOWLIST_FROM_TOKEN");
    }
}
