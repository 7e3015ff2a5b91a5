using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Aws.MediaTailor;
using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Aws.Tests.MediaTailor;

public sealed class MediaTailorClientTests : IAsyncLifetime
{
    const string OldUrl = "https://d111111abcdef8.cloudfront.net/_p/ealp_old/";
    const string NewUrl = "https://d111111abcdef8.cloudfront.net/_p/ealp_new/";

    FakeMediaTailor fake = null!;
    MediaTailorClient client = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeMediaTailor.StartAsync();
        client = TestAws.MediaTailor(fake.Endpoint);
    }

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
    }

    [Fact]
    public async Task Getting_a_configuration_returns_every_field_including_the_response_only_ones()
    {
        fake.Seed(TestAws.FullPlaybackConfiguration("live", OldUrl));

        var configuration = await client.GetPlaybackConfigurationAsync("live");

        var request = fake.Requests.Single();
        request.Method.ShouldBe("GET");
        request.Path.ShouldBe("/playbackConfiguration/live");
        request.Header("Authorization")!.ShouldContain($"/{FakeMediaTailor.Region}/mediatailor/aws4_request");
        configuration["VideoContentSourceUrl"]!.GetValue<string>().ShouldBe(OldUrl);
        configuration["PlaybackConfigurationArn"].ShouldNotBeNull();
    }

    [Fact]
    public async Task Writing_back_a_read_configuration_changes_only_the_content_source()
    {
        var seeded = TestAws.FullPlaybackConfiguration("live", OldUrl);
        fake.Seed(seeded);
        var current = await client.GetPlaybackConfigurationAsync("live");

        var sent = PlaybackConfigurationUpdate.WithVideoContentSourceUrl(current, NewUrl);
        var answer = await client.PutPlaybackConfigurationAsync(sent);

        var put = fake.Requests.Last();
        put.Method.ShouldBe("PUT");
        put.Path.ShouldBe("/playbackConfiguration");
        put.Header("Content-Type").ShouldBe("application/json");
        var expected = (JsonObject)seeded.DeepClone();
        expected["VideoContentSourceUrl"] = NewUrl;
        JsonNode.DeepEquals(fake.Stored("live"), expected).ShouldBeTrue(fake.Stored("live").ToJsonString());
        answer["VideoContentSourceUrl"]!.GetValue<string>().ShouldBe(NewUrl);
        PlaybackConfigurationUpdate.Changed(current, await client.GetPlaybackConfigurationAsync("live"), NewUrl).ShouldBeEmpty();
    }

    [Fact]
    public void Every_settable_field_of_the_platform_facts_list_is_copied()
    {
        var seeded = TestAws.FullPlaybackConfiguration("live", OldUrl);

        var sent = PlaybackConfigurationUpdate.WithVideoContentSourceUrl(seeded, NewUrl);

        sent.Select(field => field.Key).Order().ShouldBe(PlaybackConfigurationUpdate.SettableFields.Order());
    }

    [Fact]
    public async Task Every_member_that_reads_back_different_is_reported_not_only_the_ones_sent()
    {
        fake.Seed(TestAws.FullPlaybackConfiguration("live", OldUrl));
        var before = await client.GetPlaybackConfigurationAsync("live");
        fake.IgnoreOnPut = "Bumper";
        await client.PutPlaybackConfigurationAsync(PlaybackConfigurationUpdate.WithVideoContentSourceUrl(before, NewUrl));
        var after = await client.GetPlaybackConfigurationAsync("live");

        PlaybackConfigurationUpdate.Changed(before, after, NewUrl).ShouldBe(["Bumper"]);
        PlaybackConfigurationUpdate.Changed(before, after, "https://elsewhere.example.com/").ShouldBe(["Bumper", "VideoContentSourceUrl"]);
    }

    [Fact]
    public async Task A_missing_configuration_throws_with_the_error_type()
    {
        var error = await Should.ThrowAsync<MediaTailorException>(() => client.GetPlaybackConfigurationAsync("nope"));

        error.ErrorCode.ShouldBe("NotFoundException");
        error.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_request_signed_for_another_secret_is_refused()
    {
        await using var refusing = await FakeMediaTailor.StartAsync();
        var wrong = TestAws.MediaTailor(refusing.Endpoint, new BasicAWSCredentials(FakeAwsHost.Credentials.AccessKey, "not-the-secret"));

        var error = await Should.ThrowAsync<MediaTailorException>(() => wrong.GetPlaybackConfigurationAsync("live"));

        error.ErrorCode.ShouldBe("ForbiddenException");
        refusing.SignatureProblems.ShouldHaveSingleItem();
    }
}
