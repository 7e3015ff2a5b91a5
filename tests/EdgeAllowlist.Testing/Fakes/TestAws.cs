using System.Text.Json.Nodes;
using Amazon.Runtime;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Aws.Core;
using EdgeAllowlist.Aws.MediaTailor;

namespace EdgeAllowlist.Testing.Fakes;

public static class TestAws
{
    public static readonly AWSCredentials Credentials =
        new BasicAWSCredentials(FakeAwsHost.Credentials.AccessKey, FakeAwsHost.Credentials.SecretKey);

    public static readonly HttpClient Http = new();

    /// <summary>The standard attempts with backoff short enough for tests.</summary>
    public static readonly AwsRetryOptions Retry = new() { BaseBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(50) };

    public static CloudFrontClient CloudFront(Uri endpoint, AWSCredentials? credentials = null) =>
        new(Http, endpoint, credentials ?? Credentials, TimeProvider.System, Retry);

    public static MediaTailorClient MediaTailor(Uri endpoint, AWSCredentials? credentials = null) =>
        new(Http, endpoint, FakeMediaTailor.Region, credentials ?? Credentials, TimeProvider.System, Retry);

    /// <summary>A playback configuration with every settable field set to something other than its default.</summary>
    public static JsonObject FullPlaybackConfiguration(string name, string videoContentSourceUrl) => new()
    {
        ["AdConditioningConfiguration"] = new JsonObject { ["StreamingMediaFileConditioning"] = "TRANSCODE" },
        ["AdDecisionServerConfiguration"] = new JsonObject { ["HttpRequest"] = new JsonObject { ["HttpMethod"] = "POST", ["Body"] = "{}", ["Headers"] = new JsonObject { ["x-ads"] = "1" }, ["CompressRequest"] = "GZIP" } },
        ["AdDecisionServerUrl"] = "https://ads.example.com/vast?duration=[session.avail_duration_secs]",
        ["AdsPersonalizationConcurrency"] = 4,
        ["AdsPersonalizationTimeouts"] = new JsonObject { ["AdsTimeoutMs"] = 1500 },
        ["AvailSuppression"] = new JsonObject { ["Mode"] = "BEHIND_LIVE_EDGE", ["Value"] = "00:00:30", ["FillPolicy"] = "PARTIAL_AVAIL" },
        ["Bumper"] = new JsonObject { ["StartUrl"] = "https://cdn.example.com/bumper/start.mp4", ["EndUrl"] = "https://cdn.example.com/bumper/end.mp4" },
        ["CdnConfiguration"] = new JsonObject { ["AdSegmentUrlPrefix"] = "https://cdn.example.com/", ["ContentSegmentUrlPrefix"] = "https://cdn.example.com/" },
        ["ConfigurationAliases"] = new JsonObject { ["player_params.origin_domain"] = new JsonObject { ["pdx"] = "abc.example.com" } },
        ["DashConfiguration"] = new JsonObject { ["MpdLocation"] = "DISABLED", ["OriginManifestType"] = "SINGLE_PERIOD" },
        ["FunctionMapping"] = new JsonObject { ["f"] = "x" },
        ["InsertionMode"] = "PLAYER_SELECT",
        ["LivePreRollConfiguration"] = new JsonObject { ["AdDecisionServerUrl"] = "https://ads.example.com/preroll", ["MaxDurationSeconds"] = 30 },
        ["ManifestProcessingRules"] = new JsonObject { ["AdMarkerPassthrough"] = new JsonObject { ["Enabled"] = true } },
        ["Name"] = name,
        ["PersonalizationThresholdSeconds"] = 5,
        ["SlateAdUrl"] = "https://cdn.example.com/slate.mp4",
        ["tags"] = new JsonObject { ["team"] = "video" },
        ["TranscodeProfileName"] = "profile-1",
        ["VideoContentSourceUrl"] = videoContentSourceUrl,
    };
}
