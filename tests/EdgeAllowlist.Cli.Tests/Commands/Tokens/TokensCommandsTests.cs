using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Tokens;

public sealed class TokensCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Cli(string token, params string[] args) => CliRun.RunWithApiTokenAsync(token, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task A_token_is_created_works_is_listed_and_stops_working_once_revoked()
    {
        var created = await Cli(api.AdminToken, "tokens", "create", "--name", "cli-reader", "--scope", "rules:read", "--scope", "audit:read", "-o", "json");
        created.ExitCode.ShouldBe(ExitCodes.Ok, created.Error);
        var token = created.Json["token"]!.GetValue<string>();
        var id = created.Json["metadata"]!["id"]!.GetValue<string>();

        (await Cli(token, "status")).ExitCode.ShouldBe(ExitCodes.Ok);
        var listed = await Cli(api.AdminToken, "tokens", "list", "-o", "json");
        listed.Json["items"]!.AsArray().OfType<JsonObject>().ShouldContain(t => t["id"]!.GetValue<string>() == id);
        listed.Out.ShouldNotContain(token);

        (await Cli(api.AdminToken, "tokens", "revoke", id)).ExitCode.ShouldBe(ExitCodes.Ok);
        var refused = await Cli(token, "status", "-o", "json");
        refused.ExitCode.ShouldBe(ExitCodes.ServiceError);
        refused.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("Unauthorized");
    }

    [Fact]
    public async Task The_token_option_wins_over_the_environment_token()
    {
        var run = await CliRun.RunWithApiTokenAsync("ea_not_a_token", "status", "--api", api.BaseAddress.ToString(), "--token", api.AdminToken, "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Json["policyPresent"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Help_never_shows_the_token_from_the_environment()
    {
        var run = await CliRun.RunWithApiTokenAsync("eaat_secret_from_the_environment", "status", "--help");

        run.ExitCode.ShouldBe(ExitCodes.Ok);
        run.Out.ShouldContain("--token");
        run.Out.ShouldNotContain("eaat_secret_from_the_environment");
    }

    [Fact]
    public async Task The_api_comes_from_EDGE_ALLOWLIST_API_when_api_is_not_given()
    {
        var fromEnvironment = await CliRun.RunWithDefaultApiAsync(api.AdminToken, api.BaseAddress, "status", "-o", "json");
        var overridden = await CliRun.RunWithDefaultApiAsync(api.AdminToken, new Uri("http://127.0.0.1:9/"), "status", "--api", api.BaseAddress.ToString(), "-o", "json");

        fromEnvironment.ExitCode.ShouldBe(ExitCodes.Ok, fromEnvironment.Error);
        overridden.ExitCode.ShouldBe(ExitCodes.Ok, overridden.Error);
    }
}
