using EdgeAllowlist.Cli.Aws.MediaTailor;

namespace EdgeAllowlist.Cli.Commands.MediaTailor;

public sealed record MediaTailorSecretReport(
    string Configuration,
    string PreviousSource,
    string NewSource,
    bool Verified,
    IReadOnlyList<string> Differences);

/// <summary>
/// Points a playback configuration at a new partner secret: Get, copy every settable field, change
/// only <c>VideoContentSourceUrl</c>, Put, then Get again and compare. The new secret must already be
/// in the store and the old one must stay valid until MediaTailor has switched, so that a failure at
/// any step leaves playback working. Printed URLs never carry a secret.
/// </summary>
sealed class MediaTailorSecretUpdate(MediaTailorClient mediaTailor, Action<string> progress)
{
    public async Task<MediaTailorSecretReport> RunAsync(string configurationName, string marker, string secret, CancellationToken cancellationToken)
    {
        var current = await mediaTailor.GetPlaybackConfigurationAsync(configurationName, cancellationToken);
        var previous = current["VideoContentSourceUrl"]?.GetValue<string>()
            ?? throw new FormatException($"Playback configuration {configurationName} has no VideoContentSourceUrl.");
        var source = SecretPath.WithSecret(previous, marker, secret);
        progress($"read {configurationName}: source {SecretPath.Redact(previous, marker)}");

        var sent = PlaybackConfigurationUpdate.WithVideoContentSourceUrl(current, source);
        await mediaTailor.PutPlaybackConfigurationAsync(sent, cancellationToken);
        progress($"wrote {configurationName}: source {SecretPath.Redact(source, marker)}");

        // Read back rather than trust Put's answer: what matters is what MediaTailor now serves from.
        var written = await mediaTailor.GetPlaybackConfigurationAsync(configurationName, cancellationToken);
        var differences = PlaybackConfigurationUpdate.Differences(sent, written);
        return new(configurationName, SecretPath.Redact(previous, marker), SecretPath.Redact(source, marker), differences.Count == 0, differences);
    }
}
