using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.State;

/// <summary>simulate, status and rollback against the real API, its store and the real function file.</summary>
public sealed class StateCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task Simulate_runs_the_function_on_a_request_with_headers()
    {
        await api.AddOriginAsync("https://player.simulate.example");

        var pass = await Cli("simulate", "/v1/master/a/index.m3u8", "-H", "Origin: https://player.simulate.example", "-o", "json");
        var deny = await Cli("simulate", "/v1/master/a/index.m3u8", "-H", "Origin: https://evil.example");

        pass.ExitCode.ShouldBe(ExitCodes.Ok, pass.Error);
        pass.Json["action"]!.GetValue<string>().ShouldBe("pass");
        deny.Out.ShouldStartWith("deny 403");
    }

    [Fact]
    public async Task Simulate_with_expect_exits_non_zero_when_the_function_decides_otherwise()
    {
        await api.AddOriginAsync("https://player.expect.example");
        string[] allowed = ["simulate", "/v1/master/a/index.m3u8", "-H", "Origin: https://player.expect.example"];
        string[] unknown = ["simulate", "/v1/master/a/index.m3u8", "-H", "Origin: https://evil.expect.example"];

        (await Cli([.. allowed, "--expect", "pass"])).ExitCode.ShouldBe(ExitCodes.Ok);
        (await Cli([.. unknown, "--expect", "deny"])).ExitCode.ShouldBe(ExitCodes.Ok);
        (await Cli([.. unknown, "--expect", "deny:origin-unknown"])).ExitCode.ShouldBe(ExitCodes.Ok);
        var wrongReason = await Cli([.. unknown, "--expect", "deny:ua-denied"]);
        wrongReason.ExitCode.ShouldBe(ExitCodes.ExpectationFailed);
        wrongReason.Error.ShouldContain("origin-unknown");
        var failed = await Cli([.. unknown, "--expect", "pass"]);
        failed.ExitCode.ShouldBe(ExitCodes.ExpectationFailed);
        failed.Error.ShouldContain("Expected pass, the function decided deny (origin-unknown)");
        (await Cli([.. allowed, "--expect", "deny"])).ExitCode.ShouldBe(ExitCodes.ExpectationFailed);
        (await Cli([.. allowed, "--expect", "maybe"])).ExitCode.ShouldNotBe(ExitCodes.Ok);
    }

    [Fact]
    public async Task Status_shows_the_store_and_its_etag()
    {
        var run = await Cli("status", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Json["eTag"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        run.Json["quotaBytes"]!.GetValue<long>().ShouldBe(5L * 1024 * 1024);
    }

    [Fact]
    public async Task Rollback_shows_the_plan_and_applies_only_with_apply_and_yes()
    {
        await api.AddOriginAsync("https://kept.rollback.example");
        var seq = (await Cli("audit", "query", "--action", "origin.add", "--target", "https://kept.rollback.example", "-o", "json")).Json["items"]!.AsArray()[0]!["seq"]!.GetValue<long>();
        await api.AddOriginAsync("https://undone.rollback.example");

        var plan = await Cli("rollback", "--to-seq", seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plan.ExitCode.ShouldBe(ExitCodes.Ok, plan.Error);
        plan.Out.ShouldContain("- origin https://undone.rollback.example");
        plan.Out.ShouldContain("nothing written");

        // Undoing the later origin flips its browsers' built-in expectation: refused without --force, named.
        var refused = await Cli("rollback", "--to-seq", seq.ToString(System.Globalization.CultureInfo.InvariantCulture), "--apply", "--yes");
        refused.ExitCode.ShouldBe(ExitCodes.ExpectationsWouldFlip, refused.Error);
        refused.Error.ShouldContain("builtin:browsers:https://undone.rollback.example");
        var applied = await Cli("rollback", "--to-seq", seq.ToString(System.Globalization.CultureInfo.InvariantCulture), "--apply", "--yes", "--force");
        applied.ExitCode.ShouldBe(ExitCodes.Ok, applied.Error);
        applied.Out.ShouldContain("rolled back");
        var origins = (await Cli("origins", "list", "--contains", "rollback.example", "-o", "json")).Json["items"]!.AsArray().Select(i => i!["origin"]!.GetValue<string>());
        origins.ShouldBe(["https://kept.rollback.example"]);
    }
}
