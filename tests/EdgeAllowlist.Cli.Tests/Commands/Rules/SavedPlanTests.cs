using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Rules;

/// <summary>plan -out / apply PLAN, --detailed-exitcode, unknown keys and unmanaged keys, against the real API.</summary>
public sealed class SavedPlanTests(AdminApiHost api) : IClassFixture<AdminApiHost>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("edge-allowlist-plans-").FullName;

    Task<CliRun> Run(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    string File(string name) => Path.Combine(folder, name);

    async Task<List<string>> Origins(string contains) =>
        [.. (await Run("origins", "list", "--contains", contains, "-o", "json")).Json["items"]!.AsArray().Select(i => i!["origin"]!.GetValue<string>())];

    /// <summary>The rules as exported now, with <paramref name="origin"/> added to the origins.</summary>
    async Task<string> RulesWith(string name, string origin)
    {
        (await Run("export", File(name))).ExitCode.ShouldBe(ExitCodes.Ok);
        var text = await System.IO.File.ReadAllTextAsync(File(name));
        text = text.Replace("origins:\n", $"origins:\n- origin: {origin}\n", StringComparison.Ordinal);
        if (!text.Contains(origin, StringComparison.Ordinal))
            text = text.Replace("origins: []", $"origins:\n- origin: {origin}", StringComparison.Ordinal);
        await System.IO.File.WriteAllTextAsync(File(name), text);
        return File(name);
    }

    [Fact]
    public async Task A_saved_plan_applies_exactly_what_was_planned_without_asking()
    {
        var rules = await RulesWith("saved.yaml", "https://saved.plan.example");

        var plan = await Run("plan", rules, "-out", File("saved.plan"));
        var applied = await Run("apply", File("saved.plan"));

        plan.ExitCode.ShouldBe(ExitCodes.Ok, plan.Error);
        plan.Out.ShouldContain("+ origin https://saved.plan.example");
        var saved = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(File("saved.plan")))!;
        saved["kind"]!.GetValue<string>().ShouldBe("edge-allowlist-plan");
        saved["base"]!["eTag"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        saved["plan"]!["planDigest"]!.GetValue<string>().ShouldStartWith("sha256:");
        applied.ExitCode.ShouldBe(ExitCodes.Ok, applied.Out + applied.Error);
        applied.Out.ShouldContain("applied");
        (await Origins("saved.plan.example")).ShouldBe(["https://saved.plan.example"]);
    }

    [Fact]
    public async Task A_saved_plan_whose_rules_moved_is_refused_naming_what_moved_and_nothing_is_written()
    {
        var rules = await RulesWith("stale.yaml", "https://planned.stale.example");
        (await Run("plan", rules, "-out", File("stale.plan"))).ExitCode.ShouldBe(ExitCodes.Ok);
        await api.AddOriginAsync("https://sneaked-in.stale.example");

        var applied = await Run("apply", File("stale.plan"), "-o", "json");

        applied.ExitCode.ShouldBe(ExitCodes.PlanStale, applied.Out + applied.Error);
        var message = applied.ErrorJson["error"]!["message"]!.GetValue<string>();
        message.ShouldContain("origin https://sneaked-in.stale.example: added since the plan");
        applied.ErrorJson["error"]!["next"]!.GetValue<string>().ShouldContain("run plan again");
        (await Origins("stale.example")).ShouldBe(["https://sneaked-in.stale.example"]);
    }

    [Fact]
    public async Task A_saved_plan_still_applies_when_only_an_unmanaged_section_moved()
    {
        await System.IO.File.WriteAllTextAsync(File("origins-only.yaml"), "version: 1\norigins:\n- origin: https://only.sections.example\n");
        (await Run("plan", File("origins-only.yaml"), "-out", File("sections.plan"))).ExitCode.ShouldBe(ExitCodes.Ok);
        // Settings are not in the document, so the plan does not depend on them; the store's ETag moves all the same.
        (await Run("settings", "set", "denyStatus=404")).ExitCode.ShouldBe(ExitCodes.Ok);

        var applied = await Run("apply", File("sections.plan"), "--force"); // the plan flips built-in expectations

        applied.ExitCode.ShouldBe(ExitCodes.Ok, applied.Out + applied.Error);
        applied.Out.ShouldContain("the store changed since the plan");
        (await Origins("sections.example")).ShouldBe(["https://only.sections.example"]);
        (await Run("settings", "set", "denyStatus=403")).ExitCode.ShouldBe(ExitCodes.Ok);
    }

    [Fact]
    public async Task A_saved_plan_whose_changes_are_not_what_the_api_would_do_is_refused_naming_the_difference()
    {
        var rules = await RulesWith("edited.yaml", "https://edited.plan.example");
        (await Run("plan", rules, "-out", File("edited.plan"))).ExitCode.ShouldBe(ExitCodes.Ok);
        // A plan file changed after review: its changes and digest no longer match what the document does.
        var saved = JsonNode.Parse(await System.IO.File.ReadAllTextAsync(File("edited.plan")))!.AsObject();
        saved["plan"]!["changes"] = new JsonArray();
        saved["plan"]!["planDigest"] = "sha256:" + new string('0', 64);
        await System.IO.File.WriteAllTextAsync(File("edited.plan"), saved.ToJsonString());

        var emptied = await Run("apply", File("edited.plan"), "-o", "json");

        emptied.ExitCode.ShouldBe(ExitCodes.PlanStale, "a plan that shows nothing while its document adds an origin is not the API's plan");
        emptied.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("origin https://edited.plan.example: not planned, now add");
        saved["plan"]!["changes"] = new JsonArray(new JsonObject { ["kind"] = "origin", ["op"] = "add", ["id"] = "https://other.edited.example" });
        await System.IO.File.WriteAllTextAsync(File("edited.plan"), saved.ToJsonString());
        var refused = await Run("apply", File("edited.plan"), "-o", "json");

        refused.ExitCode.ShouldBe(ExitCodes.PlanStale, refused.Error);
        var message = refused.ErrorJson["error"]!["message"]!.GetValue<string>();
        message.ShouldContain("origin https://edited.plan.example: not planned, now add");
        message.ShouldContain("origin https://other.edited.example: planned add, now nothing to do");
        (await Origins("edited.plan.example")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_plan_that_cannot_be_saved_is_one_error_line_not_a_stack_trace()
    {
        await System.IO.File.WriteAllTextAsync(File("nowhere.yaml"), "version: 1\norigins: []\n");

        var run = await Run("plan", File("nowhere.yaml"), "-out", Path.Combine(folder, "no-such-folder", "p.plan"), "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("FileError");
        run.Error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task A_saved_plan_is_refused_against_another_api()
    {
        await System.IO.File.WriteAllTextAsync(File("other.yaml"), "version: 1\norigins:\n- origin: https://other.api.example\n");
        (await Run("plan", File("other.yaml"), "-out", File("other.plan"))).ExitCode.ShouldBe(ExitCodes.Ok);

        var applied = await CliRun.RunWithApiTokenAsync(api.AdminToken, "apply", File("other.plan"), "--api", "http://127.0.0.1:9/");

        applied.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        applied.Error.ShouldContain("PlanForOtherApi");
        (await Origins("other.api.example")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Detailed_exitcode_is_0_without_changes_2_with_changes_and_1_on_any_error()
    {
        (await Run("export", File("same.yaml"))).ExitCode.ShouldBe(ExitCodes.Ok);
        var changed = await RulesWith("changed.yaml", "https://detailed.exitcode.example");
        await System.IO.File.WriteAllTextAsync(File("refused.yaml"), "version: 1\norigins:\n- origin: https://bad.example/with/path\n");

        (await Run("plan", File("same.yaml"), "--detailed-exitcode")).ExitCode.ShouldBe(0);
        (await Run("plan", changed, "--detailed-exitcode")).ExitCode.ShouldBe(2);
        (await Run("plan", File("refused.yaml"), "--detailed-exitcode")).ExitCode.ShouldBe(1);
        (await Run("plan", File("refused.yaml"))).ExitCode.ShouldBe(ExitCodes.ServiceError);
        (await CliRun.RunWithApiTokenAsync(api.AdminToken, "plan", changed, "--detailed-exitcode", "--api", "http://127.0.0.1:9/")).ExitCode.ShouldBe(1);
        (await Run("plan", changed)).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task An_unknown_key_is_an_error_naming_it_its_line_and_the_key_meant_before_anything_is_sent()
    {
        await System.IO.File.WriteAllTextAsync(File("typo.yaml"), "version: 1\norigin:\n- origin: https://typo.example\n");
        await System.IO.File.WriteAllTextAsync(File("typo.json"), "{\n  \"version\": 1,\n  \"origins\": [\n    { \"origin\": \"https://typo.example\",\n      \"expires\": \"2030-01-01T00:00:00Z\" }\n  ]\n}\n");
        await System.IO.File.WriteAllTextAsync(File("settings.yaml"), "version: 1\nsettings:\n  mode: report\n  banana: 1\n");

        var yaml = await Run("plan", File("typo.yaml"), "--detailed-exitcode");
        var json = await Run("apply", File("typo.json"), "--yes", "-o", "json");
        var settings = await Run("plan", File("settings.yaml"));

        yaml.ExitCode.ShouldBe(1);
        yaml.Error.ShouldContain("typo.yaml:2: unknown key 'origin' (did you mean 'origins'?)");
        json.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        json.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("typo.json:5: unknown key 'expires' in an item of origins (did you mean 'expiresAt'?)");
        settings.Error.ShouldContain("settings.yaml:4: unknown key 'banana' in settings; known keys: mode");
        (await Origins("typo.example")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Plan_warns_when_the_store_holds_keys_this_service_does_not_manage()
    {
        await System.IO.File.WriteAllTextAsync(File("warn.yaml"), "version: 1\norigins: []\n");
        await api.PutForeignKeyAsync("terraform-managed", "1");
        try
        {
            var text = await Run("plan", File("warn.yaml"));
            var json = await Run("plan", File("warn.yaml"), "-o", "json");

            text.ExitCode.ShouldBe(ExitCodes.Ok, text.Error);
            text.Error.ShouldContain("warning the store holds 1 key(s) this service does not manage (terraform-managed)");
            text.Error.ShouldContain("aws_cloudfrontkeyvaluestore_keys_exclusive");
            JsonNode.Parse(json.Error.Trim())!["warning"]!.GetValue<string>().ShouldContain("terraform-managed");
            json.Json["counts"].ShouldNotBeNull();
        }
        finally
        {
            await api.DeleteForeignKeyAsync("terraform-managed");
        }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
