namespace EdgeAllowlist.Api.Features.Simulate;

/// <summary>
/// The requests people ask about most, named: the OpenAPI document's simulate examples and the
/// console's presets. <see cref="SecretPlaceholder"/> in a URI stands for the partner secret.
/// </summary>
public static class SimulatePresets
{
    public const string SecretPlaceholder = "{secret}";

    const string Browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

    public sealed record Preset(string Key, string Label, string Uri, string? Origin, string UserAgent, string? Hint = null);

    public static readonly IReadOnlyList<Preset> All =
    [
        new("template", "MediaTailor template fetch", $"/_p/{SecretPlaceholder}/test/ACCUSSED_Stereo.m3u8", null, "AWSElementalMediaTailor/1.0",
            "MediaTailor fetches the VideoContentSourceUrl (with the partner secret) plus the manifest's path; the function checks the secret's hash and strips it."),
        new("manifest", "Player manifest", "/v1/master/abc123/index.m3u8", "https://www.example.com", Browser),
        new("segment", "Segment", "/content/abc123/seg_00042.ts", "https://www.example.com", Browser),
        new("forged", "Forged MediaTailor UA", "/test/ACCUSSED_Stereo.m3u8", null, "AWSElementalMediaTailor/1.0",
            "Anyone can send MediaTailor's User-Agent; without the secret in the path it opens nothing."),
    ];
}
