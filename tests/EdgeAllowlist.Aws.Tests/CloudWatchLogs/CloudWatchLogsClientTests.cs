using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Aws.CloudWatchLogs;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Aws.Tests.CloudWatchLogs;

public sealed class CloudWatchLogsClientTests : IAsyncLifetime
{
    const string Group = "/aws/cloudfront/function/allowlist";
    FakeCloudWatchLogs fake = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeCloudWatchLogs.StartAsync();
        fake.Seed(Group, FakeCloudWatchLogs.FixtureEvents());
    }

    public async Task DisposeAsync() => await fake.DisposeAsync();

    static CloudWatchLogsClient Client(Uri endpoint, AWSCredentials? credentials = null) =>
        new(TestAws.Http, endpoint, credentials ?? TestAws.Credentials, TimeProvider.System, TestAws.Retry);

    [Fact]
    public async Task Filter_log_events_pages_with_next_token_through_empty_pages_signed_for_logs_in_us_east_1_and_reports_progress()
    {
        fake.PageSize = 250;
        fake.EmptyPagesFirst = 2;
        var expected = FakeCloudWatchLogs.FixtureEvents();
        var progress = new List<(int Pages, long Events)>();
        var messages = new List<FilteredLogEvent>();
        await foreach (var message in Client(fake.Endpoint).FilterLogEventsAsync(Group, DateTimeOffset.UnixEpoch, DateTimeOffset.Parse("2030-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), new SyncProgress(progress)))
            messages.Add(message);

        messages.Select(m => m.Text).ShouldBe(expected.Select(e => e!["message"]!.GetValue<string>()));
        messages.Select(m => m.TimestampMs).ShouldBe(expected.Select(e => (long?)e!["timestamp"]!.GetValue<long>()));
        var pages = 2 + (expected.Count + 249) / 250;
        fake.Requests.Count.ShouldBe(pages);
        fake.SignatureProblems.ShouldBeEmpty();
        progress.Count.ShouldBe(pages);
        progress[^1].ShouldBe((pages, expected.Count));
        var bodies = fake.Requests.Select(r => JsonNode.Parse(r.BodyText)!).ToList();
        bodies.ShouldAllBe(b => b["logGroupName"]!.GetValue<string>() == Group && b["startTime"]!.GetValue<long>() == 0);
        bodies[0]["nextToken"].ShouldBeNull();
        bodies.Skip(1).ShouldAllBe(b => b["nextToken"] != null);
        fake.Requests.ShouldAllBe(r => r.Header("x-amz-target") == CloudWatchLogsClient.Target && r.Header("authorization")!.Contains("/us-east-1/logs/aws4_request"));
    }

    [Fact]
    public async Task Only_the_window_is_asked_for_and_aws_errors_surface_with_their_type()
    {
        var first = FakeCloudWatchLogs.FixtureEvents()[0]!["timestamp"]!.GetValue<long>();
        var count = 0;
        await foreach (var _ in Client(fake.Endpoint).FilterLogEventsAsync(Group, DateTimeOffset.FromUnixTimeMilliseconds(first), DateTimeOffset.FromUnixTimeMilliseconds(first)))
            count++;
        count.ShouldBe(3); // START, the line, END of the first request

        var missing = await Should.ThrowAsync<CloudWatchLogsException>(async () =>
        {
            await foreach (var _ in Client(fake.Endpoint).FilterLogEventsAsync("/aws/cloudfront/function/nope", DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow)) { }
        });
        missing.ErrorCode.ShouldBe("ResourceNotFoundException");

        var forged = await Should.ThrowAsync<CloudWatchLogsException>(async () =>
        {
            await foreach (var _ in Client(fake.Endpoint, new BasicAWSCredentials("AKIDEXAMPLE", "not-the-secret")).FilterLogEventsAsync(Group, DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow)) { }
        });
        forged.ErrorCode.ShouldBe("InvalidSignatureException");
        fake.SignatureProblems.ShouldHaveSingleItem().ShouldContain("signature mismatch");
    }

    sealed class SyncProgress(List<(int, long)> list) : IProgress<(int Pages, long Events)>
    {
        public void Report((int Pages, long Events) value) => list.Add(value);
    }
}
