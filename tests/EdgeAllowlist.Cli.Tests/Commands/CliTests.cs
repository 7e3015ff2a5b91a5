using Amazon.Runtime;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Commands;

public sealed class CliTests
{
    static Task<AWSCredentials> NoCredentials() => throw new AmazonClientException("Failed to resolve AWS credentials.");

    [Theory]
    [InlineData("--help")]
    [InlineData("store --help")]
    [InlineData("store create --help")]
    [InlineData("store describe --help")]
    [InlineData("function --help")]
    [InlineData("function deploy --help")]
    [InlineData("mediatailor --help")]
    [InlineData("mediatailor set-secret --help")]
    [InlineData("secrets --help")]
    [InlineData("secrets rotate --help")]
    [InlineData("audit --help")]
    [InlineData("audit query --help")]
    public async Task Every_command_has_help_that_needs_no_credentials(string args)
    {
        var run = await CliRun.RunWithCredentialsAsync(NoCredentials, "", args.Split(' '));

        run.ExitCode.ShouldBe(ExitCodes.Ok);
        run.Out.ShouldContain("Usage:");
    }

    [Fact]
    public async Task Missing_credentials_exit_with_the_service_error_code_and_say_what_to_set()
    {
        await using var fake = await FakeCloudFront.StartAsync();

        var run = await CliRun.RunWithCredentialsAsync(NoCredentials, "", "store", "describe", "--name", "rules", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("NoCredentials");
        run.Error.ShouldContain("AWS_PROFILE");
        fake.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_unreachable_endpoint_exits_with_the_service_error_code()
    {
        var fake = await FakeCloudFront.StartAsync();
        var endpoint = fake.Endpoint.ToString();
        await fake.DisposeAsync();

        var run = await CliRun.RunAsync("store", "describe", "--name", "rules", "--cloudfront-endpoint", endpoint, "--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        // The one code the AWS pipeline gives a call that got no answer, whichever service (KVS included).
        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("RequestFailed");
        run.ErrorJson["error"]!["message"]!.GetValue<string>().ShouldContain("CloudFront gave no answer after retries");
    }

    [Fact]
    public async Task An_unknown_option_is_a_usage_error()
    {
        var run = await CliRun.RunAsync("store", "describe", "--nmae", "rules");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
    }
}
