using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Origins;

/// <summary>origins list|add|update|delete|import against the real admin API on Kestrel.</summary>
public sealed class OriginsCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("edge-allowlist-origins-").FullName;

    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    async Task<JsonObject?> Listed(string origin) =>
        (await Cli("origins", "list", "--contains", origin, "-o", "json")).Json["items"]!.AsArray().OfType<JsonObject>().SingleOrDefault(i => i["origin"]!.GetValue<string>() == origin);

    [Fact]
    public async Task Add_update_list_and_delete_an_origin_go_through_the_api()
    {
        var added = await Cli("origins", "add", "https://WWW.Cli-Origins.example", "--note", "marketing", "-o", "json");
        added.ExitCode.ShouldBe(ExitCodes.Ok, added.Error);
        added.Json["origin"]!.GetValue<string>().ShouldBe("https://www.cli-origins.example");

        var updated = await Cli("origins", "update", "https://www.cli-origins.example", "--expires-at", "2031-01-01T00:00:00Z", "-o", "json");
        updated.ExitCode.ShouldBe(ExitCodes.Ok, updated.Error);
        var listed = (await Listed("https://www.cli-origins.example"))!;
        listed["expiresAt"]!.GetValue<DateTimeOffset>().ShouldBe(DateTimeOffset.Parse("2031-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        listed["note"]!.GetValue<string>().ShouldBe("marketing");

        var text = await Cli("origins", "list", "--contains", "cli-origins");
        text.Out.Split('\n')[0].ShouldBe("origin\texpiresAt\texpired\tnote");
        text.Out.ShouldContain("https://www.cli-origins.example\t");

        // --force: deleting the origin flips its built-in expectation (pass -> deny); the API's WriteCheckTests cover the refusal.
        var deleted = await Cli("origins", "delete", "https://www.cli-origins.example", "--force");
        deleted.ExitCode.ShouldBe(ExitCodes.Ok, deleted.Error);
        (await Listed("https://www.cli-origins.example")).ShouldBeNull();
        (await api.DecisionAsync("/v1/master/x/index.m3u8")).ShouldBe("deny");
    }

    [Fact]
    public async Task A_bad_origin_is_the_apis_400_naming_the_field_and_nothing_is_added()
    {
        var run = await Cli("origins", "add", "https://example.com/path", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Out.ShouldBeEmpty();
        var error = run.ErrorJson;
        error["exitCode"]!.GetValue<int>().ShouldBe(ExitCodes.ServiceError);
        error["error"]!["message"]!.GetValue<string>().ShouldContain("origin");
        (await Listed("https://example.com")).ShouldBeNull();
    }

    [Fact]
    public async Task Import_reads_plain_and_csv_lines_adds_them_and_a_second_run_changes_nothing()
    {
        var file = Path.Combine(folder, "origins.csv");
        await File.WriteAllLinesAsync(file,
        [
            "# partner sites",
            "https://a.import.example",
            "",
            "https://b.import.example,2030-06-01T00:00:00Z",
            "https://c.import.example,,campaign, spring edition",
        ]);

        var first = await Cli("origins", "import", file);
        var second = await Cli("origins", "import", file, "-o", "json");

        first.ExitCode.ShouldBe(ExitCodes.Ok, first.Error);
        first.Out.ShouldContain("3 added");
        // Captured output is not a terminal: no progress counter.
        first.Error.ShouldNotContain("imported:");
        second.Json["unchanged"]!.GetValue<int>().ShouldBe(3);
        (await Listed("https://c.import.example"))!["note"]!.GetValue<string>().ShouldBe("campaign, spring edition");
        (await Listed("https://b.import.example"))!["expiresAt"].ShouldNotBeNull();
    }

    [Fact]
    public async Task An_import_line_with_a_bad_expiry_is_named_and_nothing_is_sent()
    {
        var file = Path.Combine(folder, "bad.csv");
        await File.WriteAllLinesAsync(file, ["https://ok.bad-import.example", "https://late.bad-import.example,next tuesday"]);

        var run = await Cli("origins", "import", file);

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("bad.csv:2");
        (await Listed("https://ok.bad-import.example")).ShouldBeNull();
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
