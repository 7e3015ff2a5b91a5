using System.Text.Json.Nodes;
using EdgeAllowlist.Aws.MediaTailor;

namespace EdgeAllowlist.Cli.Commands.MediaTailor;

public sealed record MediaTailorSecretReport(
    string Configuration,
    string PreviousSource,
    string NewSource,
    bool Verified,
    IReadOnlyList<string> Differences);

/// <summary>Get answered members this version does not know; a Put without them could reset them.</summary>
public sealed class UnknownMembersException(string configuration, IReadOnlyList<string> members)
    : Exception($"{configuration} has members this version does not know: {string.Join(", ", members)}. PutPlaybackConfiguration replaces the whole configuration, so a Put without them could reset them; nothing was written.")
{
    public IReadOnlyList<string> Members { get; } = members;
}

/// <summary>
/// Points a playback configuration at a new partner secret: Get, refuse if Get holds members this
/// version does not know (unless told to drop them), copy every member Put accepts, change only
/// <c>VideoContentSourceUrl</c>, Put, then Get again and compare the whole configuration with the
/// first Get. The new secret must already be in the store and the old one must stay valid until
/// MediaTailor has switched. Printed URLs never carry a secret.
/// </summary>
sealed class MediaTailorSecretUpdate(MediaTailorClient mediaTailor, Action<string> progress, bool dropUnknownMembers = false)
{
    /// <summary>Reads the configuration and checks that it can be written back whole; the rotation calls it before issuing a secret.</summary>
    public async Task<JsonObject> ReadAsync(string configurationName, CancellationToken cancellationToken)
    {
        var current = await mediaTailor.GetPlaybackConfigurationAsync(configurationName, cancellationToken);
        if (PlaybackConfigurationUpdate.UnknownMembers(current) is { Count: > 0 } unknown && !dropUnknownMembers)
            throw new UnknownMembersException(configurationName, unknown);
        return current;
    }

    public async Task<MediaTailorSecretReport> RunAsync(string configurationName, string marker, string secret, CancellationToken cancellationToken)
    {
        var current = await ReadAsync(configurationName, cancellationToken);
        var previous = current["VideoContentSourceUrl"]?.GetValue<string>()
            ?? throw new FormatException($"Playback configuration {configurationName} has no VideoContentSourceUrl.");
        var source = SecretPath.WithSecret(previous, marker, secret);
        progress($"read {configurationName}: source {SecretPath.Redact(previous, marker)}");

        await mediaTailor.PutPlaybackConfigurationAsync(PlaybackConfigurationUpdate.WithVideoContentSourceUrl(current, source), cancellationToken);
        progress($"wrote {configurationName}: source {SecretPath.Redact(source, marker)}");

        // Read back rather than trust Put's answer, and compare everything Get shows, not only what was sent:
        // a member Put reset to its default shows here.
        var written = await mediaTailor.GetPlaybackConfigurationAsync(configurationName, cancellationToken);
        var differences = PlaybackConfigurationUpdate.Changed(current, written, source);
        return new(configurationName, SecretPath.Redact(previous, marker), SecretPath.Redact(source, marker), differences.Count == 0, differences);
    }
}
