using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Secrets;

public sealed class SecretsCommandsTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    Task<CliRun> Cli(params string[] args) => CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args, "--api", api.BaseAddress.ToString()]);

    [Fact]
    public async Task A_secret_is_created_once_listed_without_the_secret_and_revoked()
    {
        await api.CreatePartnerAsync("cli-secrets");

        var created = await Cli("secrets", "create", "cli-secrets", "-o", "json");
        created.ExitCode.ShouldBe(ExitCodes.Ok, created.Error);
        var secret = created.Json["secret"]!.GetValue<string>();
        var id = created.Json["id"]!.GetValue<string>();
        created.Json["videoContentSourceUrl"]!.GetValue<string>().ShouldBe($"https://d111111abcdef8.cloudfront.net/_p/{secret}/");
        (await api.DecisionAsync($"/_p/{secret}/a.m3u8")).ShouldBe("pass");

        var listed = await Cli("secrets", "list", "cli-secrets");
        listed.Out.ShouldContain(id);
        listed.Out.ShouldNotContain(secret);

        // --force: revoking the partner's only secret flips its built-in expectation (pass -> deny); the API's WriteCheckTests cover the refusal.
        var revoked = await Cli("secrets", "revoke", "cli-secrets", id, "--force");
        revoked.ExitCode.ShouldBe(ExitCodes.Ok, revoked.Error);
        (await api.DecisionAsync($"/_p/{secret}/a.m3u8")).ShouldBe("deny");
        (await api.SecretsAsync("cli-secrets")).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_same_idempotency_key_gets_the_same_secret_back()
    {
        await api.CreatePartnerAsync("cli-secrets-retry");

        var first = await Cli("secrets", "create", "cli-secrets-retry", "--idempotency-key", "ci-run-42", "-o", "json");
        var retry = await Cli("secrets", "create", "cli-secrets-retry", "--idempotency-key", "ci-run-42", "-o", "json");

        retry.Json["secret"]!.GetValue<string>().ShouldBe(first.Json["secret"]!.GetValue<string>());
        (await api.SecretsAsync("cli-secrets-retry")).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Undo_rotation_revokes_the_rotations_secret_and_lifts_the_grace_expiry_it_gave()
    {
        await api.CreatePartnerAsync("cli-undo");
        var old = (await Cli("secrets", "create", "cli-undo", "-o", "json")).Json["id"]!.GetValue<string>();
        var rotated = await api.RotateAsync("cli-undo");
        (await api.SecretsAsync("cli-undo")).Single(s => s!["id"]!.GetValue<string>() == old)!["expiresAt"].ShouldNotBeNull();

        var run = await Cli("secrets", "undo-rotation", "cli-undo", rotated, "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Json["restored"]!.AsArray().Select(i => i!.GetValue<string>()).ShouldBe([old]);
        var left = (await api.SecretsAsync("cli-undo")).ShouldHaveSingleItem()!;
        left["id"]!.GetValue<string>().ShouldBe(old);
        left["expiresAt"].ShouldBeNull();
    }
}
