using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Store;
using Microsoft.Extensions.Configuration;

namespace EdgeAllowlist.Aws.Tests.KeyValueStore;

public sealed class KvsArnAndOptionsTests
{
    [Fact]
    public void A_valid_arn_yields_its_account_and_store_id()
    {
        var arn = KvsArn.Parse("arn:aws:cloudfront::123456789012:key-value-store/my-first-kvs-e10b1dce4f394248811e77167e0451ba");

        arn.AccountId.ShouldBe("123456789012");
        arn.StoreId.ShouldBe("my-first-kvs-e10b1dce4f394248811e77167e0451ba");
    }

    [Theory]
    [InlineData(null, "KVS ARN must be provided to use this service")]
    [InlineData("", "KVS ARN must be provided to use this service")]
    [InlineData("not-an-arn", "KVS ARN must be a valid ARN")]
    [InlineData("arn:aws:s3::123456789012:key-value-store/x", "Provided ARN is not a valid CloudFront Service ARN. Found: `s3`")]
    [InlineData("arn:aws:cloudfront:us-east-1:123456789012:key-value-store/x", "Provided ARN must be a global resource ARN. Found: `us-east-1`")]
    [InlineData("arn:aws:cloudfront::123456789012:distribution/x", "ARN resource type is invalid. Expected `key-value-store`, found: `distribution`")]
    [InlineData("arn:aws:cloudfront::123456789012::x", "No resource type found in the KVS ARN. Resource type must be `key-value-store`.")]
    [InlineData("arn:aws-cn:cloudfront::123456789012:key-value-store/x", "CloudFront-KeyValueStore is not supported in partition `aws-cn`")]
    [InlineData("arn:aws:cloudfront::bad.account:key-value-store/x", "KVS ARN must be a valid ARN")]
    public void Invalid_arns_fail_with_the_endpoint_rules_message(string? arn, string message)
    {
        Should.Throw<ArgumentException>(() => KvsArn.Parse(arn)).Message.ShouldStartWith(message);
    }

    [Theory]
    [InlineData(null, false, "https://123456789012.cloudfront-kvs.global.api.aws/")]
    [InlineData("https://my-override.example.com", false, "https://123456789012.my-override.example.com/")]
    [InlineData("http://localhost:8080", false, "http://123456789012.localhost:8080/")]
    [InlineData("http://127.0.0.1:8080", true, "http://127.0.0.1:8080/")]
    public void The_endpoint_follows_the_sdk_rules(string? endpointOverride, bool verbatim, string expected)
    {
        var options = new KeyValueStoreClientOptions { EndpointOverride = endpointOverride, UseEndpointOverrideVerbatim = verbatim };

        options.ResolveEndpoint(KvsArn.Parse("arn:aws:cloudfront::123456789012:key-value-store/x")).ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE", "http://localhost:8080", null, "http://123456789012.localhost:8080/")]
    [InlineData("AWS_ENDPOINT_URL", "http://localhost:8081", null, "http://123456789012.localhost:8081/")]
    [InlineData("AWS_ENDPOINT_URL_CLOUDFRONT_KEYVALUESTORE", "http://localhost:8080", "http://kvs.example:9000", "http://123456789012.kvs.example:9000/")]
    [InlineData("AWS_ENDPOINT_URL_CLOUDFRONT", "http://localhost:8080", null, "https://123456789012.cloudfront-kvs.global.api.aws/")]
    public void The_environment_configures_the_endpoint_as_the_sdks_read_it_below_the_setting(string variable, string value, string? endpointOverride, string expected)
    {
        var options = new KeyValueStoreClientOptions { EndpointOverride = endpointOverride };
        var variables = new Dictionary<string, string> { [variable] = value };

        options.ResolveEndpoint(KvsArn.Parse("arn:aws:cloudfront::123456789012:key-value-store/x"), variables.GetValueOrDefault).ToString().ShouldBe(expected);
    }

    [Fact]
    public void An_override_that_is_not_a_url_is_refused()
    {
        var options = new KeyValueStoreClientOptions { EndpointOverride = "localhost:8080/x y" };

        Should.Throw<ArgumentException>(() => options.ResolveEndpoint(KvsArn.Parse("arn:aws:cloudfront::123456789012:key-value-store/x")))
            .Message.ShouldStartWith("Provided endpoint is not a valid URL");
    }

    [Fact]
    public void Options_bind_from_the_kvs_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kvs:Arn"] = "arn:aws:cloudfront::123456789012:key-value-store/x",
            ["Kvs:EndpointOverride"] = "http://127.0.0.1:8080",
            ["Kvs:UseEndpointOverrideVerbatim"] = "true",
            ["Kvs:MaxAttempts"] = "6",
            ["Kvs:AttemptTimeout"] = "00:00:03",
        }).Build();

        var options = configuration.GetSection(KeyValueStoreClientOptions.SectionName).Get<KeyValueStoreClientOptions>()!;

        options.Arn.ShouldBe("arn:aws:cloudfront::123456789012:key-value-store/x");
        options.MaxAttempts.ShouldBe(6);
        options.AttemptTimeout.ShouldBe(TimeSpan.FromSeconds(3));
        options.BaseBackoff.ShouldBe(TimeSpan.FromMilliseconds(100));
        options.ResolveEndpoint(KvsArn.Parse(options.Arn)).ShouldBe(new Uri("http://127.0.0.1:8080"));
        new KeyValueStoreClientOptions().Arn.ShouldBeNull();
    }
}
