using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.UserAgents;

public sealed class UserAgentsCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task A_deny_rule_is_added_listed_and_deleted_through_the_api()
    {
        var added = await Cli("user-agents", "add", "BadBot", "--list", "deny", "-o", "json");
        added.ExitCode.ShouldBe(ExitCodes.Ok, added.Error);
        var id = added.Json["id"]!.GetValue<string>();

        var listed = await Cli("user-agents", "list", "-o", "json");
        listed.Json["deny"]!.AsArray().OfType<JsonObject>().ShouldContain(r => r["id"]!.GetValue<string>() == id && r["pattern"]!.GetValue<string>() == "BadBot");
        (await Cli("user-agents", "list", "-o", "table")).Out.ShouldContain("BadBot");

        var deleted = await Cli("user-agents", "delete", "deny", id);
        deleted.ExitCode.ShouldBe(ExitCodes.Ok, deleted.Error);
        (await Cli("user-agents", "list", "-o", "json")).Json["deny"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_list_other_than_allow_or_deny_is_a_usage_error()
    {
        var run = await Cli("user-agents", "add", "x", "--list", "maybe", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("InvalidCommandLine");
        run.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("maybe");
    }
}
