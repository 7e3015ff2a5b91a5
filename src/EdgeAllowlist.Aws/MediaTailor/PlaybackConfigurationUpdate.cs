using System.Text.Json.Nodes;

namespace EdgeAllowlist.Aws.MediaTailor;

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

    /// <summary>The top-level fields only GetPlaybackConfiguration returns (platform-facts §6.5).</summary>
    public static readonly IReadOnlyList<string> ResponseOnlyFields =
    [
        "HlsConfiguration", "LogConfiguration", "PlaybackConfigurationArn", "PlaybackEndpointPrefix", "SessionInitializationEndpointPrefix",
    ];

    // Get answers DashConfiguration with ManifestEndpointPrefix, which Put does not take.
    static readonly string[] SettableDashFields = ["MpdLocation", "OriginManifestType"];
    static readonly string[] ResponseOnlyDashFields = ["ManifestEndpointPrefix"];

    /// <summary>
    /// Members of a Get answer this version knows neither as settable nor as response-only (newer
    /// models add some, e.g. BeaconingConfiguration). A Put without them could reset them, so a
    /// caller must refuse to Put unless told otherwise.
    /// </summary>
    public static IReadOnlyList<string> UnknownMembers(JsonObject configuration) =>
    [
        .. configuration.Select(m => m.Key).Where(k => !SettableFields.Contains(k) && !ResponseOnlyFields.Contains(k)),
        .. configuration["DashConfiguration"] is JsonObject dash
            ? dash.Select(m => m.Key).Where(k => !SettableDashFields.Contains(k) && !ResponseOnlyDashFields.Contains(k)).Select(k => "DashConfiguration." + k)
            : [],
    ];

    /// <summary>
    /// Every member whose value differs between two Get answers, whatever this version knows about
    /// it, except <c>VideoContentSourceUrl</c>, which must read <paramref name="expectedSource"/>.
    /// </summary>
    public static IReadOnlyList<string> Changed(JsonObject before, JsonObject after, string expectedSource) =>
    [
        .. before.Select(m => m.Key).Union(after.Select(m => m.Key))
            .Where(k => k == "VideoContentSourceUrl"
                ? after[k]?.GetValue<string>() != expectedSource
                : !JsonNode.DeepEquals(before[k], after[k]))
            .Order(StringComparer.Ordinal),
    ];

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

    static JsonObject? SettableDash(JsonNode? dash) => dash is JsonObject dashObject
        ? new JsonObject(SettableDashFields.Where(dashObject.ContainsKey).Select(key => KeyValuePair.Create(key, dashObject[key]?.DeepClone())))
        : null;
}
