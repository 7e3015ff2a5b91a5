using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Rules;

public sealed class RulesCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("edge-allowlist-rules-").FullName;

    Task<CliRun> Run(params string[] args) => RunAnswering("", args);

    Task<CliRun> RunAnswering(string stdin, params string[] args) =>
        CliRun.RunWithApiTokensAsync(api.AdminToken, null, stdin, [.. args, "--api", api.BaseAddress.ToString()]);

    string File(string name) => Path.Combine(folder, name);

    async Task Export(string name)
    {
        var run = await Run("export", File(name));
        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
    }

    [Fact]
    public async Task Export_then_edit_then_plan_shows_the_diff_then_apply_then_export_equals_the_edited_file()
    {
        await api.AddOriginAsync("https://a-first.roundtrip.example");
        await api.AddOriginAsync("https://b-old.roundtrip.example");
        await api.AddOriginAsync("https://c-last.roundtrip.example");
        await Export("rules.yaml");
        var exported = await System.IO.File.ReadAllTextAsync(File("rules.yaml"));
        exported.ShouldContain("Secrets are not desired state");
        exported.ShouldContain("origin: https://b-old.roundtrip.example");
        var edited = exported.Replace("https://b-old.roundtrip.example", "https://b-new.roundtrip.example", StringComparison.Ordinal)
            .Replace("  mode: enforce", "  mode: report", StringComparison.Ordinal);
        await System.IO.File.WriteAllTextAsync(File("rules.yaml"), edited);

        var text = await Run("plan", File("rules.yaml"));
        var json = await Run("plan", File("rules.yaml"), "--output", "json");

        text.ExitCode.ShouldBe(ExitCodes.Ok, text.Error);
        text.Out.ShouldContain("+ origin https://b-new.roundtrip.example");
        text.Out.ShouldContain("- origin https://b-old.roundtrip.example");
        text.Out.ShouldContain("~ setting mode");
        text.Out.ShouldContain("Plan: 1 to add, 1 to delete, 1 to change.");
        json.Json["counts"]!["additions"]!.GetValue<int>().ShouldBe(1);
        json.Json["counts"]!["deletions"]!.GetValue<int>().ShouldBe(1);

        // The edit switches to report and drops an origin: built-in expectations flip, so forced.
        var applied = await Run("apply", File("rules.yaml"), "--yes", "--force");
        applied.ExitCode.ShouldBe(ExitCodes.Ok, applied.Out + applied.Error);
        applied.Out.ShouldContain("applied");

        await Export("after.yaml");
        (await System.IO.File.ReadAllTextAsync(File("after.yaml"))).ShouldBe(edited);
        (await Run("apply", File("rules.yaml"), "--yes")).Out.ShouldContain("nothing to apply");
    }

    [Fact]
    public async Task A_json_file_reads_back_to_an_empty_plan()
    {
        await api.AddOriginAsync("https://json.roundtrip.example");
        await Export("rules.json");

        var plan = await Run("plan", File("rules.json"), "--output", "json");

        plan.ExitCode.ShouldBe(ExitCodes.Ok, plan.Error);
        plan.Json["changes"]!.AsArray().ShouldBeEmpty();
        JsonNode.Parse(await System.IO.File.ReadAllTextAsync(File("rules.json")))!["origins"]!.AsArray()
            .ShouldContain(o => o!["origin"]!.GetValue<string>() == "https://json.roundtrip.example");
    }

    [Fact]
    public async Task Apply_stops_at_the_deletion_gate_without_force_and_asks_before_writing()
    {
        foreach (var n in Enumerable.Range(0, 12))
            await api.AddOriginAsync($"https://gate{n:D2}.cli.example");
        await Export("gate.yaml");
        var lines = (await System.IO.File.ReadAllLinesAsync(File("gate.yaml"))).ToList();
        var kept = new List<string>();
        for (var i = 0; i < lines.Count; i++)
        {
            // An origin item is "- origin: …" followed by its indented members; drop the gate ones.
            if (lines[i].Contains(".cli.example", StringComparison.Ordinal) && lines[i].TrimStart().StartsWith("- origin:", StringComparison.Ordinal))
            {
                while (i + 1 < lines.Count && lines[i + 1].StartsWith("    ", StringComparison.Ordinal))
                    i++;
                continue;
            }
            kept.Add(lines[i]);
        }
        await System.IO.File.WriteAllLinesAsync(File("gate.yaml"), kept);

        var gated = await Run("apply", File("gate.yaml"), "--yes");
        var declined = await RunAnswering("no\n", "apply", File("gate.yaml"), "--force");
        await Export("still.yaml");
        var confirmed = await RunAnswering("yes\n", "apply", File("gate.yaml"), "--force");

        gated.ExitCode.ShouldBe(ExitCodes.DeletionGate, gated.Out + gated.Error);
        gated.Error.ShouldContain("--force");
        declined.ExitCode.ShouldBe(ExitCodes.NotConfirmed, declined.Out + declined.Error);
        (await System.IO.File.ReadAllTextAsync(File("still.yaml"))).ShouldContain("https://gate00.cli.example");
        confirmed.ExitCode.ShouldBe(ExitCodes.Ok, confirmed.Out + confirmed.Error);
        await Export("now.yaml");
        (await System.IO.File.ReadAllTextAsync(File("now.yaml"))).ShouldNotContain(".cli.example");
    }

    [Fact]
    public async Task A_bad_field_is_reported_with_its_path_and_a_broken_file_exits_with_invalid_input()
    {
        await System.IO.File.WriteAllTextAsync(File("bad.yaml"), "version: 1\norigins:\n  - origin: https://fine.bad.example\n  - origin: https://bad.example/with/path\n");
        await System.IO.File.WriteAllTextAsync(File("broken.yaml"), "version: 1\norigins: [\n");

        var bad = await Run("apply", File("bad.yaml"), "--yes");
        var broken = await Run("plan", File("broken.yaml"));
        var wrongExtension = await Run("plan", File("bad.yaml") + ".txt");

        bad.ExitCode.ShouldBe(ExitCodes.ServiceError);
        bad.Error.ShouldContain("origins[1].origin");
        broken.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        broken.Error.ShouldContain("broken.yaml");
        wrongExtension.ExitCode.ShouldBe(ExitCodes.InvalidInput);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
