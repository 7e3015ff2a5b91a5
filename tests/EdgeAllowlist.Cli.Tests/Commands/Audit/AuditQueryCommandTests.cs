using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Audit;

public sealed class AuditQueryCommandTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Query(string? token, params string[] extra) =>
        CliRun.RunWithApiTokenAsync(token, ["audit", "query", "--api", api.BaseAddress.ToString(), .. extra]);

    [Fact]
    public async Task Audit_query_finds_the_entry_of_a_change_made_through_the_api()
    {
        await api.AddOriginAsync("https://audit-query.example.com");

        var run = await Query(api.AdminToken, "--action", "origin.add", "--target", "https://audit-query.example.com", "--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        var entry = run.Json["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["action"]!.GetValue<string>().ShouldBe("origin.add");
        entry["outcome"]!.GetValue<string>().ShouldBe("success");
        entry["hash"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Audit_query_with_a_target_prefix_finds_every_target_starting_with_it_and_refuses_it_beside_target()
    {
        await api.AddOriginAsync("https://prefix-a.cli-audit.example.com");
        await api.AddOriginAsync("https://prefix-b.cli-audit.example.com");
        await api.AddOriginAsync("https://other.cli-audit.example.com");

        var run = await Query(api.AdminToken, "--target-prefix", "https://prefix-", "--action", "origin.add", "--output", "json");
        var both = await Query(api.AdminToken, "--target-prefix", "https://prefix-", "--target", "https://prefix-a.cli-audit.example.com", "--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>())
            .ShouldBe(["https://prefix-b.cli-audit.example.com", "https://prefix-a.cli-audit.example.com"]);
        both.ExitCode.ShouldNotBe(ExitCodes.Ok);
        (both.Out + both.Error).ShouldContain("targetPrefix");
    }

    [Fact]
    public async Task Audit_query_pages_with_the_cursor_when_asked_for_all()
    {
        foreach (var n in Enumerable.Range(1, 3))
            await api.AddOriginAsync($"https://paging-{n}.example.com");

        var onePage = await Query(api.AdminToken, "--action", "origin.add", "--limit", "2", "--output", "json");
        var all = await Query(api.AdminToken, "--action", "origin.add", "--limit", "2", "--all", "--output", "json");

        onePage.Json["items"]!.AsArray().Count.ShouldBe(2);
        onePage.Json["nextCursor"].ShouldNotBeNull();
        all.Json["items"]!.AsArray().Count.ShouldBeGreaterThanOrEqualTo(3);
        all.Json["nextCursor"].ShouldBeNull();
        all.Json["items"]!.AsArray().Select(e => e!["seq"]!.GetValue<long>()).ShouldBeInOrder(SortDirection.Descending);
    }

    [Fact]
    public async Task Audit_query_shows_a_table_for_people()
    {
        await api.AddOriginAsync("https://audit-table.example.com");

        var run = await Query(api.AdminToken, "--target", "https://audit-table.example.com");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Out.ShouldContain("origin.add");
        run.Out.ShouldContain("https://audit-table.example.com");
    }

    [Fact]
    public async Task A_wrong_token_exits_with_the_service_error_code()
    {
        var run = await Query("ea_not_a_real_token_0000000000000000000000", "--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("Unauthorized");
    }

    [Fact]
    public async Task A_filter_the_api_refuses_is_reported_with_the_field_it_names()
    {
        var run = await Query(api.AdminToken, "--outcome", "maybe");

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("outcome");
    }

    [Fact]
    public async Task Without_a_token_nothing_is_sent_and_the_cli_says_what_to_set()
    {
        var run = await Query(null);

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("EDGE_ALLOWLIST_TOKEN");
    }
}
