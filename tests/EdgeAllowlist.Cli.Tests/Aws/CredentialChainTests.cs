using Amazon.Runtime;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Aws;

/// <summary>
/// The edge-allowlist tool as a real process with AWSSDK.Core's standard chain: web identity and an
/// assume-role profile through a fake STS (AWS_ENDPOINT_URL_STS) giving credentials that sign calls the
/// fake CloudFront verifies, and credential failures
/// as one line that names the source tried and the fix, with exit code 2 and no stack trace.
/// </summary>
[Trait("Category", "Slow")]
public sealed class CredentialChainTests : IAsyncLifetime
{
    const string Role = "arn:aws:iam::123456789012:role/edge-deployer";
    const string WebIdentityToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmVkZ2UvYWxsb3dsaXN0OnJlZjpyZWZzL2hlYWRzL21haW4ifQ.c2lnbmF0dXJl";

    // The fake CloudFront accepts only the example key pair, so STS hands out that pair with a session token of its own.
    static readonly ImmutableCredentials Issued = new(FakeAwsHost.Credentials.AccessKey, FakeAwsHost.Credentials.SecretKey, "FQoGZXIvYXdzEFAKESESSION" + Guid.NewGuid().ToString("N"));

    // The long-term keys of the assume-role profile's source profile; the fake STS accepts AssumeRole signed by them only.
    static readonly ImmutableCredentials SourceProfile = new("AKIDSOURCEPROFILE001", "source-profile-secret-" + Guid.NewGuid().ToString("N"), null);

    readonly string folder = Directory.CreateTempSubdirectory("ea-cli-creds-").FullName;
    FakeCloudFront cloudFront = null!;
    FakeSts sts = null!;

    public async Task InitializeAsync()
    {
        cloudFront = await FakeCloudFront.StartAsync();
        sts = await FakeSts.StartAsync(WebIdentityToken, Role, Issued, SourceProfile);
    }

    public async Task DisposeAsync()
    {
        await cloudFront.DisposeAsync();
        await sts.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task With_web_identity_the_tool_signs_with_the_temporary_credentials_sts_issued()
    {
        var run = await RunAsync(WebIdentity(WebIdentityToken), "store", "create", "--name", "edge-rules", "--output", "json", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        sts.Calls.ShouldBe(["AssumeRoleWithWebIdentity issued"]);
        cloudFront.SignatureProblems.ShouldBeEmpty();
        cloudFront.Requests.Single().Header("x-amz-security-token").ShouldBe(Issued.Token);
    }

    [Fact]
    public async Task A_token_sts_refuses_is_one_line_naming_web_identity_and_the_fix_with_exit_code_2()
    {
        var run = await RunAsync(WebIdentity("an-expired-token"), "store", "create", "--name", "edge-rules", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        var line = OneLine(run);
        line.ShouldStartWith("error NoCredentials: No AWS credentials from web identity (AWS_WEB_IDENTITY_TOKEN_FILE=");
        line.ShouldContain($"AWS_ROLE_ARN={Role}");
        line.ShouldContain("InvalidIdentityToken");
        line.ShouldContain("Fix: check that the token file exists");
        sts.Calls.ShouldContain("AssumeRoleWithWebIdentity InvalidIdentityToken");
        cloudFront.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_missing_token_file_is_one_line_naming_the_file_with_exit_code_2()
    {
        var environment = WebIdentity(WebIdentityToken);
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = Path.Combine(folder, "no-such-token");

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        var line = OneLine(run);
        line.ShouldContain($"web identity (AWS_WEB_IDENTITY_TOKEN_FILE={Path.Combine(folder, "no-such-token")}");
        line.ShouldContain("Fix:");
        cloudFront.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task With_no_source_at_all_the_line_names_the_default_chain_and_what_to_set()
    {
        var run = await RunAsync(NoCredentials(), "store", "create", "--name", "edge-rules", "--output", "json", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Output.ShouldBeEmpty();
        var error = System.Text.Json.Nodes.JsonNode.Parse(run.Error)!["error"]!;
        error["code"]!.GetValue<string>().ShouldBe("NoCredentials");
        error["message"]!.GetValue<string>().ShouldStartWith("No AWS credentials from the default chain");
        error["message"]!.GetValue<string>().ShouldContain("Fix: set AWS_PROFILE");
        run.Error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task With_an_assume_role_profile_the_tool_signs_with_the_role_credentials_sts_issued_for_a_call_signed_by_the_source_profile()
    {
        var config = Path.Combine(folder, "config");
        var credentials = Path.Combine(folder, "credentials");
        File.WriteAllText(config, $"[profile deployer]\nrole_arn = {Role}\nsource_profile = base\nregion = {FakeSts.Region}\n");
        File.WriteAllText(credentials, $"[base]\naws_access_key_id = {SourceProfile.AccessKey}\naws_secret_access_key = {SourceProfile.SecretKey}\n");
        var environment = NoCredentials();
        environment["AWS_PROFILE"] = "deployer";
        environment["AWS_CONFIG_FILE"] = config;
        environment["AWS_SHARED_CREDENTIALS_FILE"] = credentials;
        environment["AWS_ENDPOINT_URL_STS"] = sts.Endpoint.ToString();

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--output", "json", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        sts.Calls.ShouldBe(["AssumeRole issued"]);
        cloudFront.SignatureProblems.ShouldBeEmpty();
        cloudFront.Requests.Single().Header("x-amz-security-token").ShouldBe(Issued.Token);
    }

    const string SsoAccount = "123456789012";
    const string SsoRole = "EdgeDeployer";
    static readonly string SsoAccessToken = "aoaAAAAAGFAKESSOACCESSTOKEN" + Guid.NewGuid().ToString("N");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task With_an_sso_profile_the_tool_signs_with_the_role_credentials_the_portal_gave_for_the_cached_token(bool ssoSession)
    {
        await using var portal = await FakeSsoPortal.StartAsync(SsoAccessToken, SsoAccount, SsoRole, Issued);
        var environment = Sso(portal, ssoSession, SsoAccessToken, DateTimeOffset.UtcNow.AddHours(8));

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--output", "json", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        portal.Calls.ShouldBe(["GetRoleCredentials issued"]);
        cloudFront.SignatureProblems.ShouldBeEmpty();
        cloudFront.Requests.Single().Header("x-amz-security-token").ShouldBe(Issued.Token);
    }

    [Fact]
    public async Task A_cached_token_the_portal_refuses_is_one_line_naming_the_profile_and_sso_login()
    {
        await using var portal = await FakeSsoPortal.StartAsync(SsoAccessToken, SsoAccount, SsoRole, Issued);
        var environment = Sso(portal, ssoSession: true, "a-token-from-last-week", DateTimeOffset.UtcNow.AddHours(8));

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        var line = OneLine(run);
        line.ShouldStartWith("error NoCredentials: No AWS credentials from profile 'sso-deployer' (AWS_PROFILE)");
        line.ShouldContain("aws sso login --profile sso-deployer");
        portal.Calls.ShouldBe(["GetRoleCredentials UnauthorizedException"]);
        cloudFront.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_expired_cached_token_is_one_line_naming_the_profile_and_sso_login_without_calling_the_portal()
    {
        await using var portal = await FakeSsoPortal.StartAsync(SsoAccessToken, SsoAccount, SsoRole, Issued);
        var environment = Sso(portal, ssoSession: false, SsoAccessToken, DateTimeOffset.UtcNow.AddHours(-1));

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        var line = OneLine(run);
        line.ShouldContain("profile 'sso-deployer'");
        line.ShouldContain("aws sso login --profile sso-deployer");
        portal.Calls.ShouldBeEmpty();
        cloudFront.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_profile_that_is_not_in_the_config_file_is_one_line_naming_it()
    {
        var environment = NoCredentials();
        environment["AWS_PROFILE"] = "no-such-profile";

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        var line = OneLine(run);
        line.ShouldContain("profile 'no-such-profile'");
        line.ShouldContain("Fix:");
        cloudFront.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Profile_names_the_source_instead_of_the_default_chain()
    {
        var credentials = Path.Combine(folder, "credentials");
        File.WriteAllText(credentials, $"[deploy-keys]\naws_access_key_id = {FakeAwsHost.Credentials.AccessKey}\naws_secret_access_key = {FakeAwsHost.Credentials.SecretKey}\n");
        var environment = NoCredentials();
        environment["AWS_SHARED_CREDENTIALS_FILE"] = credentials;

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--profile", "deploy-keys", "--output", "json", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        cloudFront.SignatureProblems.ShouldBeEmpty();
        cloudFront.Requests.Single().Header("authorization")!.ShouldContain($"Credential={FakeAwsHost.Credentials.AccessKey}/");
    }

    [Fact]
    public async Task Without_region_or_aws_region_the_profiles_region_scopes_the_mediatailor_signature()
    {
        await using var mediaTailor = await FakeMediaTailor.StartAsync();
        mediaTailor.Seed(TestAws.FullPlaybackConfiguration("live", "https://d111111abcdef8.cloudfront.net/_p/ealp_" + new string('a', 43) + "/"));
        var config = Path.Combine(folder, "config");
        var credentials = Path.Combine(folder, "credentials");
        File.WriteAllText(config, $"[profile video]\nregion = {FakeMediaTailor.Region}\n");
        File.WriteAllText(credentials, $"[video]\naws_access_key_id = {FakeAwsHost.Credentials.AccessKey}\naws_secret_access_key = {FakeAwsHost.Credentials.SecretKey}\n");
        var environment = NoCredentials();
        environment["AWS_REGION"] = "";
        environment["AWS_DEFAULT_REGION"] = "";
        environment["AWS_CONFIG_FILE"] = config;
        environment["AWS_SHARED_CREDENTIALS_FILE"] = credentials;

        var run = await ChildProcess.RunAsync(ChildProcess.StartInfo(ChildProcess.BuiltAssembly("EdgeAllowlist.Cli"),
            ["mediatailor", "set-secret", "--config", "live", "--profile", "video", "--mediatailor-endpoint", mediaTailor.Endpoint.ToString()], environment),
            TimeSpan.FromMinutes(3), "ealp_" + new string('b', 43) + "\n");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        mediaTailor.SignatureProblems.ShouldBeEmpty();
        mediaTailor.Requests.ShouldAllBe(r => r.Header("authorization")!.Contains($"/{FakeMediaTailor.Region}/mediatailor/aws4_request"));
    }

    [Fact]
    public async Task An_sso_profile_named_by_profile_signs_with_the_portals_role_credentials()
    {
        await using var portal = await FakeSsoPortal.StartAsync(SsoAccessToken, SsoAccount, SsoRole, Issued);
        var environment = Sso(portal, ssoSession: true, SsoAccessToken, DateTimeOffset.UtcNow.AddHours(8));
        environment["AWS_PROFILE"] = "";

        var run = await RunAsync(environment, "store", "create", "--name", "edge-rules", "--profile", "sso-deployer", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        portal.Calls.ShouldBe(["GetRoleCredentials issued"]);
        cloudFront.Requests.Single().Header("x-amz-security-token").ShouldBe(Issued.Token);
    }

    [Fact]
    public async Task A_profile_named_by_profile_that_does_not_exist_is_one_line_naming_it_and_where_to_add_it()
    {
        var run = await RunAsync(NoCredentials(), "store", "create", "--name", "edge-rules", "--profile", "nope", "--cloudfront-endpoint", cloudFront.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        var line = OneLine(run);
        line.ShouldStartWith("error NoCredentials: No AWS credentials from profile 'nope' (--profile): no such profile. Fix: add [profile nope] to ~/.aws/config");
        cloudFront.Requests.ShouldBeEmpty();
    }

    /// <summary>An SSO profile as <c>aws sso login</c> leaves it, under a home folder of the test's own.</summary>
    Dictionary<string, string> Sso(FakeSsoPortal portal, bool ssoSession, string cachedToken, DateTimeOffset expiresAt)
    {
        var home = Path.Combine(folder, "home");
        var config = ssoSession
            ? FakeSsoPortal.WriteSsoSessionProfile(home, "sso-deployer", "corp", SsoAccount, SsoRole, cachedToken, expiresAt)
            : FakeSsoPortal.WriteLegacyProfile(home, "sso-deployer", SsoAccount, SsoRole, cachedToken, expiresAt);
        var environment = NoCredentials();
        environment["HOME"] = home;
        environment["AWS_PROFILE"] = "sso-deployer";
        environment["AWS_CONFIG_FILE"] = config;
        environment["AWS_ENDPOINT_URL_SSO"] = portal.Endpoint.ToString();
        return environment;
    }

    /// <summary>The single line on standard error, with nothing on standard output and no stack trace.</summary>
    static string OneLine(CommandRun run)
    {
        run.Output.ShouldBeEmpty();
        run.Error.ShouldNotContain("   at ");
        return run.Error.TrimEnd('\n').ShouldNotBeNull().Split('\n').ShouldHaveSingleItem();
    }

    /// <summary>An environment with no credential source: keys, profiles and instance metadata all cut off.</summary>
    Dictionary<string, string> NoCredentials() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = "",
        ["AWS_SECRET_ACCESS_KEY"] = "",
        ["AWS_SESSION_TOKEN"] = "",
        ["AWS_PROFILE"] = "",
        ["AWS_WEB_IDENTITY_TOKEN_FILE"] = "",
        ["AWS_ROLE_ARN"] = "",
        ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] = "",
        ["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "",
        ["AWS_CONFIG_FILE"] = Path.Combine(folder, "no-aws-config"),
        ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(folder, "no-aws-credentials"),
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_REGION"] = "us-east-1",
    };

    Dictionary<string, string> WebIdentity(string token)
    {
        var tokenFile = Path.Combine(folder, "web-identity-token");
        File.WriteAllText(tokenFile, token);
        var environment = NoCredentials();
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile;
        environment["AWS_ROLE_ARN"] = Role;
        environment["AWS_ROLE_SESSION_NAME"] = "github-actions";
        environment["AWS_ENDPOINT_URL_STS"] = sts.Endpoint.ToString();
        return environment;
    }

    static Task<CommandRun> RunAsync(Dictionary<string, string> environment, params string[] args) =>
        ChildProcess.RunAsync(ChildProcess.StartInfo(ChildProcess.BuiltAssembly("EdgeAllowlist.Cli"), args, environment), TimeSpan.FromMinutes(3));
}
