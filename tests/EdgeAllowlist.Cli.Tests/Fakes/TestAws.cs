using Amazon.Runtime;
using EdgeAllowlist.Cli.Aws;
using EdgeAllowlist.Cli.Aws.CloudFront;

namespace EdgeAllowlist.Cli.Tests.Fakes;

static class TestAws
{
    public static readonly AWSCredentials Credentials =
        new BasicAWSCredentials(FakeAwsHost.Credentials.AccessKey, FakeAwsHost.Credentials.SecretKey);

    public static readonly HttpClient Http = new();

    public static CloudFrontClient CloudFront(Uri endpoint, AWSCredentials? credentials = null) =>
        new(new SignedHttpClient(Http, new(endpoint, CloudFrontClient.SigningName, CloudFrontClient.SigningRegion), credentials ?? Credentials, TimeProvider.System));
}
