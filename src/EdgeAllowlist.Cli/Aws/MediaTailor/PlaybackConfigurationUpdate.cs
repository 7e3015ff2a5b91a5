using System.Text.Json.Nodes;

namespace EdgeAllowlist.Cli.Aws.MediaTailor;

/// <summary>
/// Builds a PutPlaybackConfiguration body from a GetPlaybackConfiguration answer. Put has no patch
/// semantics, so every settable field is copied and only the response-only ones are left behind
/// (platform-facts §6.5).
/// </summary>
public static class PlaybackConfigurationUpdate
{
    /// <summary>The top-level fields PutPlaybackConfiguration accepts.</summary>
    public static readonly IReadOnlyList<string> SettableFields =
    [
        "AdConditioningConfiguration", "AdDecisionServerConfiguration", "AdDecisionServerUrl",
        "AdsPersonalizationConcurrency", "AdsPersonalizationTimeouts", "AvailSuppression", "Bumper",
        "CdnConfiguration", "ConfigurationAliases", "DashConfiguration", "FunctionMapping", "InsertionMode",
        "LivePreRollConfiguration", "ManifestProcessingRules", "Name", "PersonalizationThresholdSeconds",
        "SlateAdUrl", "tags", "TranscodeProfileName", "VideoContentSourceUrl",
    ];

    // Get answers DashConfiguration with ManifestEndpointPrefix, which Put does not take.
    static readonly string[] SettableDashFields = ["MpdLocation", "OriginManifestType"];

    public static JsonObject WithVideoContentSourceUrl(JsonObject current, string videoContentSourceUrl)
    {
        var put = new JsonObject();
        foreach (var field in SettableFields)
        {
            if (current[field] is not { } value)
                continue;
            put[field] = field == "DashConfiguration" ? SettableDash(value) : value.DeepClone();
        }
        put["VideoContentSourceUrl"] = videoContentSourceUrl;
        return put;
    }

    /// <summary>The settable fields whose value in <paramref name="actual"/> differs from the one that was sent.</summary>
    public static IReadOnlyList<string> Differences(JsonObject sent, JsonObject actual) =>
        sent.Where(field => !JsonNode.DeepEquals(field.Value,
                field.Key == "DashConfiguration" ? SettableDash(actual[field.Key]) : actual[field.Key]))
            .Select(field => field.Key)
            .ToList();

    static JsonObject? SettableDash(JsonNode? dash) => dash is JsonObject dashObject
        ? new JsonObject(SettableDashFields.Where(dashObject.ContainsKey).Select(key => KeyValuePair.Create(key, dashObject[key]?.DeepClone())))
        : null;
}
