namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// Real User-Agents of players that send no Origin, for the built-in "native players pass"
/// expectation. AppleCoreMedia is iOS 17.5's native HLS stack (build 21F90, June 2024), as Apple's
/// AVFoundation sends it; ExoPlayer's is the form its <c>Util.getUserAgent</c> builds
/// (<c>app/version (Linux;Android N) ExoPlayerLib/version</c>), with ExoPlayer 2.19.1 (2023) on Android 14.
/// </summary>
static class NativePlayers
{
    public const string AsOf = "2024-06";

    public static readonly IReadOnlyList<(string Name, string UserAgent)> All =
    [
        ("applecoremedia", "AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)"),
        ("exoplayer", "ExoPlayerDemo/2.19.1 (Linux;Android 14) ExoPlayerLib/2.19.1"),
    ];
}
