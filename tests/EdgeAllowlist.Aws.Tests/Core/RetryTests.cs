using System.Net;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Aws.CloudWatchLogs;
using EdgeAllowlist.Aws.MediaTailor;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Aws.Tests.Core;

/// <summary>Throttling through the one pipeline, per service: retried, and when it persists, one typed error that says so.</summary>
public sealed class RetryTests
{
    [Theory]
    [InlineData(400)]
    [InlineData(429)]
    public async Task CloudFront_throttling_is_retried_until_an_attempt_gets_through(int status)
    {
        await using var fake = await FakeCloudFront.StartAsync();
        fake.SeedStore("edge-rules");
        fake.ThrottleStatus = status;
        fake.ThrottleNext = 2;

        var store = await TestAws.CloudFront(fake.Endpoint).DescribeKeyValueStoreAsync("edge-rules");

        store.KeyValueStore.Name.ShouldBe("edge-rules");
        fake.Requests.Count.ShouldBe(3);
        fake.SignatureProblems.ShouldBeEmpty();
    }

    [Fact]
    public async Task CloudFront_throttling_that_lasts_is_one_throttled_error_after_the_attempts()
    {
        await using var fake = await FakeCloudFront.StartAsync();
        fake.ThrottleNext = 100;

        var error = await Should.ThrowAsync<CloudFrontException>(() => TestAws.CloudFront(fake.Endpoint).DescribeKeyValueStoreAsync("edge-rules"));

        error.Kind.ShouldBe(CloudFrontErrorKind.Throttled);
        error.ErrorCode.ShouldBe("Throttling");
        error.Service.ShouldBe("CloudFront");
        error.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        error.IsRetryable.ShouldBeTrue();
        error.RequestId.ShouldNotBeNull();
        fake.Requests.Count.ShouldBe(TestAws.Retry.MaxAttempts);
    }

    [Fact]
    public async Task A_refusal_is_not_retried()
    {
        await using var fake = await FakeCloudFront.StartAsync();

        var error = await Should.ThrowAsync<CloudFrontException>(() => TestAws.CloudFront(fake.Endpoint).DescribeKeyValueStoreAsync("missing"));

        error.Kind.ShouldBe(CloudFrontErrorKind.NotFound);
        error.IsRetryable.ShouldBeFalse();
        fake.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task MediaTailor_throttling_is_retried_until_an_attempt_gets_through()
    {
        await using var fake = await FakeMediaTailor.StartAsync();
        fake.Seed(TestAws.FullPlaybackConfiguration("live", "https://d111111abcdef8.cloudfront.net/"));
        fake.ThrottleNext = 3;

        var configuration = await TestAws.MediaTailor(fake.Endpoint).GetPlaybackConfigurationAsync("live");

        configuration["Name"]!.GetValue<string>().ShouldBe("live");
        fake.Requests.Count.ShouldBe(4);
        fake.SignatureProblems.ShouldBeEmpty();
    }

    [Fact]
    public async Task MediaTailor_throttling_that_lasts_is_one_typed_error()
    {
        await using var fake = await FakeMediaTailor.StartAsync();
        fake.ThrottleNext = 100;

        var error = await Should.ThrowAsync<MediaTailorException>(() => TestAws.MediaTailor(fake.Endpoint).GetPlaybackConfigurationAsync("live"));

        error.ErrorCode.ShouldBe("TooManyRequestsException");
        error.Service.ShouldBe("MediaTailor");
        error.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        fake.Requests.Count.ShouldBe(TestAws.Retry.MaxAttempts);
    }

    [Fact]
    public async Task CloudWatch_Logs_throttling_is_retried_until_an_attempt_gets_through_and_then_a_typed_error()
    {
        await using var fake = await FakeCloudWatchLogs.StartAsync();
        fake.Seed("/aws/cloudfront/function/edge-allowlist", []);
        fake.ThrottleNext = 2;
        var client = new CloudWatchLogsClient(TestAws.Http, fake.Endpoint, TestAws.Credentials, TimeProvider.System, TestAws.Retry);

        await foreach (var _ in client.FilterLogEventsAsync("/aws/cloudfront/function/edge-allowlist", DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow)) { }

        fake.Requests.Count.ShouldBe(3);
        fake.ThrottleNext = 100;
        var error = await Should.ThrowAsync<CloudWatchLogsException>(async () =>
        {
            await foreach (var _ in client.FilterLogEventsAsync("/aws/cloudfront/function/edge-allowlist", DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow)) { }
        });
        error.ErrorCode.ShouldBe("ThrottlingException");
        error.Service.ShouldBe("CloudWatch Logs");
        error.IsRetryable.ShouldBeTrue();
        fake.Requests.Count.ShouldBe(3 + TestAws.Retry.MaxAttempts);
    }

    [Fact]
    public async Task No_answer_at_all_is_retried_and_then_an_unavailable_error_naming_the_endpoint()
    {
        var error = await Should.ThrowAsync<CloudFrontException>(() => TestAws.CloudFront(new("http://127.0.0.1:9/")).DescribeKeyValueStoreAsync("edge-rules"));

        error.Kind.ShouldBe(CloudFrontErrorKind.Unavailable);
        error.ErrorCode.ShouldBe("RequestFailed");
        error.Message.ShouldContain("127.0.0.1:9");
    }
}
