using System.Text.RegularExpressions;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Crypto;

/// <summary>
/// Partner secrets (<c>ealp_</c>) and API tokens (<c>eaat_</c>) are 43 base64url characters behind a
/// prefix, so they can be recognised wherever they turn up by mistake. Twenty characters after the
/// prefix are enough to call a value secret-shaped: a secret cut short when pasted still is one.
/// </summary>
public static partial class SecretRedaction
{
    /// <summary>Replaces every secret-shaped part of <paramref name="text"/> by its prefix and <c>***</c>.</summary>
    public static string Redact(string text) => text.Contains('_') ? SecretShaped().Replace(text, m => m.Groups["prefix"].Value + "_***") : text;

    public static AuditRecord Redact(AuditRecord record) =>
        record with { Target = Redact(record.Target), Detail = record.Detail is null ? null : Redact(record.Detail) };

    /// <summary>The prefix (<c>ealp</c> or <c>eaat</c>) of the first secret-shaped part of the text, or null.</summary>
    public static string? FindPrefix(string? text) =>
        text is not null && text.Contains('_') && SecretShaped().Match(text) is { Success: true } match ? match.Groups["prefix"].Value.ToLowerInvariant() : null;

    [GeneratedRegex("(?<prefix>ealp|eaat)_[A-Za-z0-9_-]{20,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretShaped();
}
