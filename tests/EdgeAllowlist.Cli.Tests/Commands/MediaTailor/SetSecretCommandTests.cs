using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Commands.MediaTailor;

public sealed class SetSecretCommandTests : IAsyncLifetime
{
    const string OldSecret = "ealp_TestOnlyMediaTailorCurrent00000000000000000";
    const string NewSecret = "ealp_TestOnlyMediaTailorNext00000000000000000000";
    const string Distribution = "https://d111111abcdef8.cloudfront.net";

    FakeMediaTailor fake = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeMediaTailor.StartAsync();
        fake.Seed(TestAws.FullPlaybackConfiguration("live", $"{Distribution}/_p/{OldSecret}/"));
    }

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
    }

    Task<CliRun> SetSecret(string stdin, params string[] extra) => CliRun.RunWithInputAsync(stdin,
        ["mediatailor", "set-secret", "--config", "live", "--region", FakeMediaTailor.Region, "--mediatailor-endpoint", fake.Endpoint.ToString(), .. extra]);

    [Fact]
    public async Task Setting_a_secret_changes_only_the_content_source_and_verifies_it()
    {
        var run = await SetSecret(NewSecret + "\n");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        var expected = TestAws.FullPlaybackConfiguration("live", $"{Distribution}/_p/{NewSecret}/");
        JsonNode.DeepEquals(fake.Stored("live"), expected).ShouldBeTrue(fake.Stored("live").ToJsonString());
        fake.Requests.Select(r => $"{r.Method} {r.Path}").ShouldBe(["GET /playbackConfiguration/live", "PUT /playbackConfiguration", "GET /playbackConfiguration/live"]);
        run.Out.ShouldContain("verified");
    }

    [Fact]
    public async Task Neither_secret_is_printed_in_text_or_json()
    {
        var text = await SetSecret(NewSecret);
        fake.Seed(TestAws.FullPlaybackConfiguration("live", $"{Distribution}/_p/{OldSecret}/"));
        var json = await SetSecret(NewSecret, "--output", "json");

        foreach (var run in new[] { text, json })
        {
            (run.Out + run.Error).ShouldNotContain(OldSecret);
            (run.Out + run.Error).ShouldNotContain(NewSecret);
        }
        json.Json["newSource"]!.GetValue<string>().ShouldBe($"{Distribution}/_p/***/");
        json.Json["verified"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task A_malformed_secret_on_stdin_is_refused_before_anything_is_sent()
    {
        var run = await SetSecret("not-a-secret");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("InvalidSecret");
        fake.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_refused_put_leaves_the_old_source_and_says_what_to_do_next()
    {
        fake.FailPutsWith = 500;

        var run = await SetSecret(NewSecret);

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("InternalServerErrorException");
        run.Error.ShouldContain("keep it valid");
        fake.Stored("live")["VideoContentSourceUrl"]!.GetValue<string>().ShouldBe($"{Distribution}/_p/{OldSecret}/");
    }

    [Fact]
    public async Task A_setting_that_reads_back_differently_exits_with_the_verification_code()
    {
        fake.IgnoreOnPut = "SlateAdUrl";

        var run = await SetSecret(NewSecret, "--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.VerificationFailed);
        run.Json["verified"]!.GetValue<bool>().ShouldBeFalse();
        run.Json["differences"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["SlateAdUrl"]);
    }

    [Fact]
    public async Task A_missing_configuration_exits_with_the_service_error_code()
    {
        var run = await CliRun.RunWithInputAsync(NewSecret, "mediatailor", "set-secret", "--config", "nope", "--region", FakeMediaTailor.Region,
            "--mediatailor-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("NotFoundException");
    }

    [Fact]
    public async Task A_member_a_newer_model_added_stops_the_put_naming_it_unless_dropping_is_explicit()
    {
        fake.SeedNewerMember("live", "YieldOptimizationConfiguration", new JsonObject { ["Enabled"] = true });
        fake.SeedNewerMember("live", "BeaconingConfiguration", new JsonObject { ["Mode"] = "SERVER" });

        var refused = await SetSecret(NewSecret, "--output", "json");
        var dropped = await SetSecret(NewSecret, "--drop-unknown-members", "--output", "json");

        refused.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        var message = refused.ErrorJson["error"]!["message"]!.GetValue<string>();
        message.ShouldContain("YieldOptimizationConfiguration");
        message.ShouldContain("BeaconingConfiguration");
        fake.Requests.Count(r => r.Method == "PUT").ShouldBe(1);
        dropped.ExitCode.ShouldBe(ExitCodes.VerificationFailed);
        dropped.Json["differences"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["BeaconingConfiguration", "YieldOptimizationConfiguration"]);
    }
}
