using System.Text.Json.Nodes;
using EdgeAllowlist.Aws.MediaTailor;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Commands.Secrets;

/// <summary>The rotation against the real admin API (its store, its simulator running the real function) and a fake MediaTailor.</summary>
public sealed class RotateCommandTests(AdminApiHost api) : IClassFixture<AdminApiHost>, IAsyncLifetime
{
    const string Distribution = "https://d111111abcdef8.cloudfront.net";

    readonly string partner = "mt" + Guid.NewGuid().ToString("N")[..8];
    FakeMediaTailor mediaTailor = null!;
    string oldSecret = null!;

    public async Task InitializeAsync()
    {
        mediaTailor = await FakeMediaTailor.StartAsync();
        await api.CreatePartnerAsync(partner);
        oldSecret = await api.CreateSecretAsync(partner);
        mediaTailor.Seed(TestAws.FullPlaybackConfiguration("live", $"{Distribution}/_p/{oldSecret}/"));
    }

    public async Task DisposeAsync()
    {
        mediaTailor.SignatureProblems.ShouldBeEmpty();
        await mediaTailor.DisposeAsync();
    }

    Task<CliRun> Rotate(params string[] extra) => CliRun.RunWithApiTokenAsync(api.AdminToken,
        ["secrets", "rotate", "--partner", partner, "--mediatailor-config", "live", "--api", api.BaseAddress.ToString(),
         "--region", FakeMediaTailor.Region, "--mediatailor-endpoint", mediaTailor.Endpoint.ToString(), .. extra]);

    string StoredSource => mediaTailor.Stored("live")["VideoContentSourceUrl"]!.GetValue<string>();

    static string SecretIn(string source) => new Uri(source).AbsolutePath.Split('/')[2];

    [Fact]
    public async Task Rotating_points_mediatailor_at_a_new_secret_that_passes_while_the_old_one_stays_valid_for_the_grace_period()
    {
        var run = await Rotate("--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        var newSecret = SecretIn(StoredSource);
        newSecret.ShouldNotBe(oldSecret);
        SecretPath.IsSecret(newSecret).ShouldBeTrue();
        var expected = TestAws.FullPlaybackConfiguration("live", $"{Distribution}/_p/{newSecret}/");
        JsonNode.DeepEquals(mediaTailor.Stored("live"), expected).ShouldBeTrue("every other setting is kept");
        (await api.DecisionAsync($"/_p/{newSecret}/test/a.m3u8")).ShouldBe("pass");
        (await api.DecisionAsync($"/_p/{oldSecret}/test/a.m3u8")).ShouldBe("pass");
        var previous = run.Json["previous"]!.AsArray().ShouldHaveSingleItem()!;
        previous["expiresAt"]!.GetValue<DateTimeOffset>().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(23));
        run.Json["mediaTailor"]!["verified"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Neither_secret_appears_in_the_output()
    {
        var text = await Rotate();
        var newSecret = SecretIn(StoredSource);

        text.ExitCode.ShouldBe(ExitCodes.Ok, text.Out + text.Error);
        (text.Out + text.Error).ShouldNotContain(oldSecret);
        (text.Out + text.Error).ShouldNotContain(newSecret);
        text.Out.ShouldContain("/_p/***/");
    }

    /// <summary>The partner's secrets are back to the one it had: no orphan, and the old one without the grace expiry.</summary>
    async Task OnlyTheOldSecretRemainsWithoutExpiry()
    {
        var secrets = await api.SecretsAsync(partner);
        var only = secrets.ShouldHaveSingleItem()!;
        only["expiresAt"].ShouldBeNull();
        (await api.DecisionAsync($"/_p/{oldSecret}/test/a.m3u8")).ShouldBe("pass");
    }

    [Fact]
    public async Task A_refused_mediatailor_write_undoes_the_rotation_so_playback_stays_on_the_old_secret_and_says_what_to_do_next()
    {
        mediaTailor.FailPutsWith = 500;

        var run = await Rotate();

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("The rotation was undone");
        run.Error.ShouldContain("still uses the previous secret");
        run.Error.ShouldContain("run secrets rotate again");
        StoredSource.ShouldBe($"{Distribution}/_p/{oldSecret}/");
        await OnlyTheOldSecretRemainsWithoutExpiry();
    }

    [Fact]
    public async Task A_token_without_rules_read_is_refused_before_anything_is_issued()
    {
        var token = await api.CreateTokenAsync("rotate-only-" + partner, ["secrets:rotate"]);

        var run = await CliRun.RunWithApiTokenAsync(token, "secrets", "rotate", "--partner", partner, "--mediatailor-config", "live", "--api", api.BaseAddress.ToString(),
            "--region", FakeMediaTailor.Region, "--mediatailor-endpoint", mediaTailor.Endpoint.ToString(), "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("MissingScope");
        run.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("rules:read");
        run.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("Nothing was issued");
        await OnlyTheOldSecretRemainsWithoutExpiry();
        mediaTailor.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_token_limited_to_another_partner_is_refused_before_anything_is_issued()
    {
        var token = await api.CreateTokenAsync("rotate-other-" + partner, ["secrets:rotate", "rules:read"], ["someone-else"]);

        var run = await CliRun.RunWithApiTokenAsync(token, "secrets", "rotate", "--partner", partner, "--mediatailor-config", "live", "--api", api.BaseAddress.ToString(),
            "--region", FakeMediaTailor.Region, "--mediatailor-endpoint", mediaTailor.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain($"secrets:rotate for partner {partner}");
        await OnlyTheOldSecretRemainsWithoutExpiry();
    }

    [Fact]
    public async Task A_rotate_token_limited_to_the_partner_with_rules_read_does_the_whole_rotation()
    {
        var token = await api.CreateTokenAsync("rotate-ci-" + partner, ["secrets:rotate", "rules:read"], [partner]);

        var run = await CliRun.RunWithApiTokenAsync(token, "secrets", "rotate", "--partner", partner, "--mediatailor-config", "live", "--api", api.BaseAddress.ToString(),
            "--region", FakeMediaTailor.Region, "--mediatailor-endpoint", mediaTailor.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        SecretIn(StoredSource).ShouldNotBe(oldSecret);
    }

    [Fact]
    public async Task Dry_run_checks_everything_and_shows_the_steps_but_issues_and_writes_nothing()
    {
        var run = await Rotate("--dry-run", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Json["dryRun"]!.GetValue<bool>().ShouldBeTrue();
        run.Json["steps"]!.AsArray().Count.ShouldBe(4);
        run.Json["source"]!.GetValue<string>().ShouldBe($"{Distribution}/_p/***/");
        await OnlyTheOldSecretRemainsWithoutExpiry();
        mediaTailor.Requests.ShouldNotContain(r => r.Method == "PUT");
        run.Out.ShouldNotContain(oldSecret);
    }

    [Fact]
    public async Task A_member_this_version_does_not_know_stops_the_rotation_before_issuing_naming_it()
    {
        mediaTailor.SeedNewerMember("live", "BeaconingConfiguration", new JsonObject { ["Enabled"] = true });

        var run = await Rotate();

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("BeaconingConfiguration");
        run.Error.ShouldContain("--drop-unknown-members");
        await OnlyTheOldSecretRemainsWithoutExpiry();
        mediaTailor.Requests.ShouldNotContain(r => r.Method == "PUT");
        mediaTailor.NewerMembers("live").ContainsKey("BeaconingConfiguration").ShouldBeTrue();
    }

    [Fact]
    public async Task Dropping_unknown_members_is_explicit_and_the_whole_configuration_check_then_names_the_member_that_was_reset()
    {
        mediaTailor.SeedNewerMember("live", "BeaconingConfiguration", new JsonObject { ["Enabled"] = true });

        var run = await Rotate("--drop-unknown-members");

        run.ExitCode.ShouldBe(ExitCodes.VerificationFailed, run.Out + run.Error);
        run.Out.ShouldContain("these members read back differently: BeaconingConfiguration");
        SecretIn(StoredSource).ShouldNotBe(oldSecret);
    }

    [Fact]
    public async Task A_setting_mediatailor_did_not_keep_is_named_after_the_put()
    {
        mediaTailor.IgnoreOnPut = "SlateAdUrl";

        var run = await Rotate("-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.VerificationFailed);
        run.Json["mediaTailor"]!["differences"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["SlateAdUrl"]);
    }

    [Fact]
    public async Task A_new_secret_the_function_would_refuse_is_never_given_to_mediatailor_and_is_taken_back()
    {
        // The partner's secrets are limited to manifests, so a segment probe is refused at the edge.
        var run = await Rotate("--probe", "segment_0001.ts");

        run.ExitCode.ShouldBe(ExitCodes.VerificationFailed);
        run.Error.ShouldContain("secret-scope");
        run.Error.ShouldContain("The rotation was undone");
        StoredSource.ShouldBe($"{Distribution}/_p/{oldSecret}/");
        mediaTailor.Requests.ShouldNotContain(r => r.Method == "PUT");
        await OnlyTheOldSecretRemainsWithoutExpiry();
    }

    [Fact]
    public async Task A_configuration_that_cannot_be_read_stops_before_a_secret_is_issued()
    {
        var run = await CliRun.RunWithApiTokenAsync(api.AdminToken, "secrets", "rotate", "--partner", partner, "--mediatailor-config", "missing",
            "--api", api.BaseAddress.ToString(), "--region", FakeMediaTailor.Region, "--mediatailor-endpoint", mediaTailor.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("NotFoundException");
        (await api.SecretsAsync(partner)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_unknown_partner_changes_nothing_in_mediatailor()
    {
        var run = await CliRun.RunWithApiTokenAsync(api.AdminToken, "secrets", "rotate", "--partner", "nobody", "--mediatailor-config", "live",
            "--api", api.BaseAddress.ToString(), "--region", FakeMediaTailor.Region, "--mediatailor-endpoint", mediaTailor.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("NotFound");
        StoredSource.ShouldBe($"{Distribution}/_p/{oldSecret}/");
        mediaTailor.Requests.ShouldNotContain(r => r.Method == "PUT");
    }
}
