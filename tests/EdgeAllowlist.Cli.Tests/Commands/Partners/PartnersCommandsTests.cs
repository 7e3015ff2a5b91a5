using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Partners;

public sealed class PartnersCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task A_partner_is_created_got_and_listed_through_the_api()
    {
        var created = await Cli("partners", "create", "cli-partner", "--scope", "all", "--description", "ad stitcher", "-o", "json");
        created.ExitCode.ShouldBe(ExitCodes.Ok, created.Error);

        var got = await Cli("partners", "get", "cli-partner", "-o", "yaml");
        got.ExitCode.ShouldBe(ExitCodes.Ok, got.Error);
        got.Out.ShouldContain("id: cli-partner");
        got.Out.ShouldContain("scope: all");
        (await Cli("partners", "list", "-o", "json")).Json["items"]!.AsArray().OfType<JsonObject>()
            .ShouldContain(p => p["id"]!.GetValue<string>() == "cli-partner" && p["description"]!.GetValue<string>() == "ad stitcher");
    }

    [Fact]
    public async Task An_unknown_partner_is_the_apis_404()
    {
        var run = await Cli("partners", "get", "nobody-here");

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("404");
    }
}
