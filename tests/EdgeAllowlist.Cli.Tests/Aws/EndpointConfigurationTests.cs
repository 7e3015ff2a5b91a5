using EdgeAllowlist.Aws;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Aws;

/// <summary>
/// Endpoints as the AWS SDKs configure them: the command's own flag, then --endpoint-url, then
/// AWS_ENDPOINT_URL_&lt;SERVICE&gt; (service id naming), then AWS_ENDPOINT_URL. A wrong one points at a closed
/// port, so a call that succeeds went to the fake, which verified its signature.
/// </summary>
public sealed class EndpointConfigurationTests : IAsyncLifetime
{
    const string Closed = "http://127.0.0.1:9/";

    FakeCloudFront fake = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeCloudFront.StartAsync();
        fake.SeedStore("edge-rules");
    }

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
    }

    Task<CliRun> DescribeAsync(Dictionary<string, string> variables, params string[] extra) =>
        CliRun.RunWithVariablesAsync(variables, ["store", "describe", "--name", "edge-rules", "-o", "json", .. extra]);

    [Fact]
    public async Task The_service_variable_points_the_cloudfront_client_at_its_endpoint()
    {
        var run = await DescribeAsync(new() { ["AWS_ENDPOINT_URL_CLOUDFRONT"] = fake.Endpoint.ToString(), ["AWS_ENDPOINT_URL"] = Closed });

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        fake.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_global_variable_serves_every_service_without_its_own()
    {
        var run = await DescribeAsync(new() { ["AWS_ENDPOINT_URL"] = fake.Endpoint.ToString() });

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        fake.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Endpoint_url_wins_over_the_variables_and_the_service_flag_wins_over_endpoint_url()
    {
        var variables = new Dictionary<string, string> { ["AWS_ENDPOINT_URL_CLOUDFRONT"] = Closed, ["AWS_ENDPOINT_URL"] = Closed };

        (await DescribeAsync(variables, "--endpoint-url", fake.Endpoint.ToString())).ExitCode.ShouldBe(ExitCodes.Ok);
        (await DescribeAsync(variables, "--endpoint-url", Closed, "--cloudfront-endpoint", fake.Endpoint.ToString())).ExitCode.ShouldBe(ExitCodes.Ok);
        fake.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_variable_that_is_not_a_url_is_one_line_naming_it_and_nothing_is_called()
    {
        var run = await CliRun.RunWithVariablesAsync(new Dictionary<string, string> { ["AWS_ENDPOINT_URL_CLOUDFRONT"] = "cloudfront.internal" },
            "store", "describe", "--name", "edge-rules");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("InvalidEndpoint: AWS_ENDPOINT_URL_CLOUDFRONT=cloudfront.internal is not an absolute http(s) URL");
        run.Error.ShouldNotContain("   at ");
        fake.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(AwsEndpoints.CloudFront, "AWS_ENDPOINT_URL_CLOUDFRONT")]
    [InlineData(AwsEndpoints.KeyValueStore, "AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE")]
    [InlineData(AwsEndpoints.MediaTailor, "AWS_ENDPOINT_URL_MEDIATAILOR")]
    [InlineData(AwsEndpoints.CloudWatchLogs, "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS")]
    public void Variables_are_named_after_the_service_id_as_the_sdks_name_them(string serviceId, string variable) =>
        AwsEndpoints.VariableOf(serviceId).ShouldBe(variable);

    [Fact]
    public void Ignoring_configured_endpoints_turns_both_variables_off()
    {
        var variables = new Dictionary<string, string>
        {
            ["AWS_ENDPOINT_URL_MEDIATAILOR"] = "http://127.0.0.1:4566",
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:4567",
        };
        AwsEndpoints.Configured(AwsEndpoints.MediaTailor, variables.GetValueOrDefault).ShouldBe(new Uri("http://127.0.0.1:4566"));
        AwsEndpoints.Configured(AwsEndpoints.CloudWatchLogs, variables.GetValueOrDefault).ShouldBe(new Uri("http://127.0.0.1:4567"));

        variables["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";

        AwsEndpoints.Configured(AwsEndpoints.MediaTailor, variables.GetValueOrDefault).ShouldBeNull();
    }
}
