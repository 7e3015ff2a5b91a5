using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Function;

/// <summary><c>function test</c> runs the real deployed build function/dist/allowlist.js under Jint against a real local store, with no AWS endpoint anywhere.</summary>
public sealed class TestCommandTests : IClassFixture<AdminApiHost>, IDisposable
{
    static readonly string Code = Path.Combine(RepositoryPaths.Root, "function", "dist", "allowlist.js");
    static readonly string SampleEvents = Path.Combine(RepositoryPaths.Root, "function", "events");

    readonly AdminApiHost api;
    readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("edge-allowlist-function-test-cmd-");

    public TestCommandTests(AdminApiHost api)
    {
        this.api = api;
        Directory.CreateDirectory(Events);
        WriteCase("site-passes", "https://www.example.com", """{"action":"pass","uri":"/v1/master/a/index.m3u8","reads":2}""");
        WriteCase("other-site-denied", "https://evil.example.net", """{"action":"deny","status":403,"reason":"origin-unknown","reads":3}""");
    }

    public void Dispose() => folder.Delete(recursive: true);

    string Events => Path.Combine(folder.FullName, "events");

    string Rules => Path.Combine(folder.FullName, "rules.yaml");

    void WriteCase(string name, string origin, string expect) =>
        File.WriteAllText(Path.Combine(Events, $"{name}.json"), """
            {"description":"NAME","event":{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"198.51.100.7"},
             "request":{"method":"GET","uri":"/v1/master/a/index.m3u8","querystring":{},"headers":{"origin":{"value":"ORIGIN"},
             "user-agent":{"value":"Mozilla/5.0"}},"cookies":{}}},"expect":EXPECT}
            """.Replace("NAME", name).Replace("ORIGIN", origin).Replace("EXPECT", expect));

    [Fact]
    public async Task Every_sample_event_passes_against_its_fixture()
    {
        var run = await CliRun.RunAsync("function", "test", "--code", Code, "--events", SampleEvents, "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["failed"]!.GetValue<int>().ShouldBe(0);
        run.Json["passed"]!.GetValue<int>().ShouldBe(Directory.GetFiles(SampleEvents, "*.json").Count(f => !Path.GetFileName(f).StartsWith('_')));
    }

    [Fact]
    public async Task A_rules_file_is_compiled_as_apply_would_write_it_and_the_cases_run_against_it()
    {
        File.WriteAllText(Rules, """
            version: 1
            origins:
              - origin: https://WWW.Example.com:443
            settings:
              revealReason: true
            """);

        var run = await CliRun.RunAsync("function", "test", "--code", Code, "--events", Events, "--rules", Rules, "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["passed"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task A_case_the_rules_do_not_satisfy_fails_with_exit_code_3_naming_the_difference()
    {
        File.WriteAllText(Rules, """
            version: 1
            origins:
              - origin: https://other.example.com
            settings:
              revealReason: true
            """);

        var run = await CliRun.RunAsync("function", "test", "--code", Code, "--events", Events, "--rules", Rules);

        run.ExitCode.ShouldBe(ExitCodes.FunctionTestsFailed);
        run.Out.ShouldContain("site-passes");
        run.Out.ShouldContain("FAIL");
        run.Out.ShouldContain("origin-unknown");
    }

    [Fact]
    public async Task A_rules_file_the_api_would_refuse_is_refused_naming_the_member_and_nothing_runs()
    {
        File.WriteAllText(Rules, "version: 1\norigin:\n  - origin: https://www.example.com\n");

        var run = await CliRun.RunAsync("function", "test", "--code", Code, "--events", Events, "--rules", Rules);

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        // The rules-file reader the plan uses: the key, its line and a did-you-mean, before the API's validators.
        run.Error.ShouldContain("rules.yaml:2: unknown key 'origin'");
        run.Error.ShouldContain("origins");
        run.Out.ShouldNotContain("site-passes");
    }

    [Fact]
    public async Task A_rules_file_with_a_bad_origin_and_a_missing_rule_is_refused_naming_each_path()
    {
        // The duplicate check once ran before the field checks and crashed on both.
        File.WriteAllText(Rules, "version: 1\norigins:\n  - origin: https://www.example.com/path\nuserAgents:\n  - null\n");

        var run = await CliRun.RunAsync("function", "test", "--code", Code, "--events", Events, "--rules", Rules);

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput, run.Out + run.Error);
        run.Error.ShouldContain("InvalidRules");
        run.Error.ShouldContain("origins[0].origin: Origin has a path");
        run.Error.ShouldContain("userAgents[0]: 'User Agents' must not be empty.");
        run.Out.ShouldNotContain("site-passes");
    }

    [Fact]
    public async Task With_api_the_store_holds_the_rules_the_api_has_now()
    {
        await api.AddOriginAsync("https://www.example.com");
        await api.UpdateSettingsAsync(new { revealReason = true });

        var run = await CliRun.RunWithApiTokenAsync(api.AdminToken, "function", "test", "--code", Code, "--events", Events, "--api", api.BaseAddress.ToString(), "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["store"]!.GetValue<string>().ShouldBe(api.BaseAddress.ToString());
        run.Json["passed"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task Rules_and_api_together_are_a_usage_error()
    {
        File.WriteAllText(Rules, "version: 1\n");

        var run = await CliRun.RunAsync("function", "test", "--events", Events, "--rules", Rules, "--api", "http://127.0.0.1:1/");

        run.ExitCode.ShouldNotBe(ExitCodes.Ok);
        run.Error.ShouldContain("--rules or --api, not both");
    }
}
