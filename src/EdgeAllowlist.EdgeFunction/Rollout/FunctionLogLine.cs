using System.Text.Json;

namespace EdgeAllowlist.EdgeFunction.Rollout;

/// <summary>
/// One log line of <c>function/allowlist.js</c> (function/README.md §6): <c>report</c> (a would-be
/// denial that passed), <c>deny</c> or <c>fail-open</c>, with the reason, the URI with any secret
/// masked, the origin used and the User-Agent cut to 128 characters.
/// </summary>
public sealed record FunctionLogLine(long Line, string Action, string Reason, string Uri, string Origin, string UserAgent, DateTimeOffset? At, string? Distribution);

public enum LineKind
{
    /// <summary>One of the function's lines.</summary>
    Function,
    /// <summary>CloudFront's <c>START DistributionID: …</c> or <c>END</c> around a request's lines.</summary>
    Framing,
    /// <summary>Anything else: counted as skipped, never fatal.</summary>
    Foreign,
}

/// <summary>
/// Tells the function's lines from the rest. In CloudWatch each message starts with the CloudFront
/// request id; the lines of one request sit between <c>&lt;id&gt; START DistributionID: &lt;id&gt;</c> and
/// <c>&lt;id&gt; END</c>, so the distribution is known from the START of the same request id.
/// </summary>
public sealed partial class FunctionLogParser
{
    /// <summary>Requests whose END never came (delivery is best effort) are forgotten past this many, so memory stays bounded.</summary>
    const int MaxOpenRequests = 4096;

    const string Start = "START DistributionID:";

    static readonly HashSet<string> Actions = ["report", "deny", "fail-open"];

    readonly Dictionary<string, string> distributions = new(StringComparer.Ordinal);

    public LineKind Parse(LogMessage message, out FunctionLogLine? line)
    {
        line = null;
        var text = message.Text?.Trim();
        if (string.IsNullOrEmpty(text))
            return LineKind.Foreign;
        string? distribution = null;
        if (text[0] != '{')
        {
            var gap = text.AsSpan().IndexOfAny(' ', '\t');
            if (gap <= 0)
                return text == "END" ? LineKind.Framing : LineKind.Foreign;
            var requestId = text[..gap];
            var rest = text[(gap + 1)..].TrimStart();
            if (rest.StartsWith(Start, StringComparison.Ordinal))
            {
                if (distributions.Count >= MaxOpenRequests)
                    distributions.Clear();
                distributions[requestId] = rest[Start.Length..].Trim();
                return LineKind.Framing;
            }
            if (rest == "END")
            {
                distributions.Remove(requestId);
                return LineKind.Framing;
            }
            if (rest.Length == 0 || rest[0] != '{')
                return LineKind.Foreign;
            distribution = distributions.GetValueOrDefault(requestId);
            text = rest;
        }
        var at = message.TimestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        line = Read(text, message.Number, at, distribution);
        return line is null ? LineKind.Foreign : LineKind.Function;
    }

    /// <summary>The line's members, or null when it is not an object with a known action and reason.</summary>
    static FunctionLogLine? Read(string json, long number, DateTimeOffset? at, string? distribution)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return null;
            var action = Member(root, "allowlist", number);
            var reason = Member(root, "reason", number);
            if (action is null || !Actions.Contains(action) || reason is null || !Reasons.All.Contains(reason))
                return null;
            // As the function writes them (function/allowlist.js, log()): secrets masked, origin and
            // User-Agent cut to 128 characters. An upload is anyone's text: what it carries beyond that
            // is never echoed (a secret) nor worked on (a 60 KB User-Agent through every rule).
            return new(number, action, reason, MaskSecrets(Member(root, "uri", number) ?? ""), MaskSecrets(Cut(Member(root, "origin", number) ?? "")),
                MaskSecrets(Cut(Member(root, "ua", number) ?? "")), at, distribution);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The function's own cut: <c>slice(0, 128)</c>, in UTF-16 code units as JavaScript counts them.</summary>
    public const int MaxLoggedLength = 128;

    public static string Cut(string text) => text.Length <= MaxLoggedLength ? text : text[..MaxLoggedLength];

    /// <summary>The function's mask for a URI whose marker it does not know: every <c>ealp_…</c> run becomes <c>*</c>.</summary>
    public static string MaskSecrets(string text) => text.Contains("ealp_", StringComparison.Ordinal) ? SecretRun().Replace(text, "*") : text;

    [System.Text.RegularExpressions.GeneratedRegex("ealp_[A-Za-z0-9_-]*")]
    private static partial System.Text.RegularExpressions.Regex SecretRun();

    static string? Member(JsonElement root, string name, long number)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
            return null;
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            // The function's cut can split a surrogate pair at the 128th unit, and JSON.stringify then
            // writes the lone half as an escape: that one is the function's and is dropped, as the cut meant.
            // Anywhere else the escapes spell no text: refused, as the API refuses it in any body.
            var raw = value.GetRawText();
            if (raw.Length > 8 && raw[^7..^5] == "\\u" && char.IsHighSurrogate((char)Convert.ToUInt16(raw[^5..^1], 16))
                && TryString(raw[..^7] + "\"") is { Length: MaxLoggedLength - 1 } cut)
                return cut;
            throw new FormatException($"Line {number}: {name} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which is no text; send the log as the function wrote it.");
        }
    }

    static string? TryString(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<string>(json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>The function's reason codes (function/contract.json) and which of them only an attacker or a broken client earns.</summary>
public static class Reasons
{
    public static readonly IReadOnlyList<string> All =
        ["cfg", "error", "secret-format", "secret-unknown", "secret-expired", "secret-scope", "uri-ambiguous", "origin-invalid", "origin-unknown", "origin-expired", "no-origin", "ua-denied", "ua-not-allowed"];

    /// <summary>
    /// No rule change should let these through: a secret that is not one of ours or not even of the
    /// format, a User-Agent on the deny list, an origin no browser sends (or several at once).
    /// They get no suggestion, and replay leaves them out of the verdict.
    /// </summary>
    public static readonly IReadOnlySet<string> AttackLike = new HashSet<string>(["secret-unknown", "secret-format", "ua-denied", "origin-invalid"], StringComparer.Ordinal);

    public static int Index(string reason)
    {
        for (var i = 0; i < All.Count; i++)
            if (All[i] == reason)
                return i;
        return -1;
    }
}
