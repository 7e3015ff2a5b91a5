using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Settings;

public sealed class SettingsCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task Set_changes_the_named_settings_with_typed_values_and_get_shows_them()
    {
        var set = await Cli("settings", "set", "noOrigin=deny", "denyStatus=404", "-o", "json");
        set.ExitCode.ShouldBe(ExitCodes.Ok, set.Error);

        var got = await Cli("settings", "get", "-o", "json");
        got.Json["noOrigin"]!.GetValue<string>().ShouldBe("deny");
        got.Json["denyStatus"]!.GetValue<int>().ShouldBe(404);
        got.Json["mode"]!.GetValue<string>().ShouldBe("enforce");
        (await Cli("settings", "get")).Out.ShouldContain("noOrigin: deny");
    }

    [Fact]
    public async Task A_bad_value_is_refused_naming_the_setting()
    {
        var run = await Cli("settings", "set", "mode=sometimes");

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("mode");
        (await Cli("settings", "get", "-o", "json")).Json["mode"]!.GetValue<string>().ShouldBe("enforce");
    }
}
