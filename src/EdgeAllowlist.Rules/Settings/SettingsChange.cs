using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace EdgeAllowlist.Rules.Settings;

/// <summary>
/// A change of some settings (<c>PATCH /v1/settings</c>, a document's <c>settings</c>): members left out
/// (null) keep their value. Numbers only as JSON numbers: the function reads "403" as a string and
/// refuses it, so the rules must not take it either.
/// </summary>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed partial record SettingsChange(
    string? Mode,
    string? NoOrigin,
    IReadOnlyList<string>? PublicPaths,
    string? SecretMarker,
    int? WildcardDepth,
    int? DenyStatus,
    string? FailPolicy,
    bool? RevealReason,
    bool? LogDenials,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? AllowWholeSitePublic = null)
{
    public const int MinWildcardDepth = 0;
    public const int MaxWildcardDepth = 5;
    public const int MaxPublicPaths = 20;
    public const int MaxPublicPathLength = 200;

    // The patterns of function/contract.json (cfg.marker, cfg.public, dotSegment; SettingsContractTests
    // compares them); SafePath ends in \z where JavaScript's final $ means the end (in .NET $ also matches before a trailing newline).
    public const string SecretMarkerPattern = "^[A-Za-z0-9_-]{1,32}$";

    [GeneratedRegex(SecretMarkerPattern)]
    private static partial Regex SecretMarkerRegex();

    [GeneratedRegex(@"^(?=/)(/([A-Za-z0-9._~!$&'()*+,=@-]|%20)+)*/?\z")]
    public static partial Regex SafePath();

    [GeneratedRegex(@"(^|/)(\.|%20)+(/|$)")]
    public static partial Regex DotSegment();

    public const string WholeSitePublicDetail = "allowWholeSitePublic: publicPaths make the whole site public; every origin, User-Agent and secret check is skipped";

    /// <summary>The settings in force, as a change that would set them again (a desired-state export).</summary>
    public static SettingsChange From(PolicySettings policy) => new(policy.Mode, policy.NoOrigin, policy.PublicPaths, policy.SecretMarker, policy.WildcardDepth,
        policy.DenyStatus, policy.FailPolicy, policy.RevealReason, policy.LogDenials, policy.PublicPaths.Any(CoversWholeSite) ? true : null);

    /// <summary>
    /// Whether a public path prefix matches every URI: <c>/</c> and whatever reads as <c>/</c> once empty
    /// and <c>.</c> segments, backslashes and percent-encoded <c>/</c>, <c>\</c> and <c>.</c> are taken as an
    /// origin server might take them (<c>//</c>, <c>/./</c>, <c>/%2F</c>). Such a prefix turns the function off.
    /// </summary>
    public static bool CoversWholeSite(string path)
    {
        var decoded = path.Replace("%2f", "/", StringComparison.OrdinalIgnoreCase).Replace("%5c", "/", StringComparison.OrdinalIgnoreCase)
            .Replace("%2e", ".", StringComparison.OrdinalIgnoreCase).Replace('\\', '/');
        return decoded.StartsWith('/') && decoded.Split('/').All(segment => segment is "" or ".");
    }

    /// <summary>What the audit entry of this change records beyond the values: that the whole site was made public on purpose.</summary>
    public string? AuditDetail(PolicySettings wanted) =>
        PublicPaths is not null && AllowWholeSitePublic == true && wanted.PublicPaths.Any(CoversWholeSite) ? WholeSitePublicDetail : null;

    /// <summary>The policy with this change's members applied; members left out keep their value.</summary>
    public PolicySettings ApplyTo(PolicySettings current) => new(
        Mode ?? current.Mode,
        NoOrigin ?? current.NoOrigin,
        PublicPaths ?? current.PublicPaths,
        SecretMarker ?? current.SecretMarker,
        WildcardDepth ?? current.WildcardDepth,
        DenyStatus ?? current.DenyStatus,
        FailPolicy ?? current.FailPolicy,
        RevealReason ?? current.RevealReason,
        LogDenials ?? current.LogDenials);

    public IEnumerable<FieldError> Check()
    {
        if (Mode is not null && !PolicySettings.Modes.Contains(Mode))
            yield return new("mode", $"mode must be one of: {string.Join(", ", PolicySettings.Modes)}.");
        if (NoOrigin is not null && !PolicySettings.NoOriginPolicies.Contains(NoOrigin))
            yield return new("noOrigin", $"noOrigin must be one of: {string.Join(", ", PolicySettings.NoOriginPolicies)}.");
        if (FailPolicy is not null && !PolicySettings.FailPolicies.Contains(FailPolicy))
            yield return new("failPolicy", $"failPolicy must be one of: {string.Join(", ", PolicySettings.FailPolicies)}.");
        if (DenyStatus is { } status && !PolicySettings.DenyStatuses.Contains(status))
            yield return new("denyStatus", "denyStatus must be 401, 403 or 404.");
        // The wording FluentValidation gives InclusiveBetween, which the API answered with before this rule moved here.
        if (WildcardDepth is { } depth && depth is < MinWildcardDepth or > MaxWildcardDepth)
            yield return new("wildcardDepth", $"'Wildcard Depth' must be between {MinWildcardDepth} and {MaxWildcardDepth}. You entered {depth}.");
        const string marker = "secretMarker must be 1 to 32 letters, digits, '_' or '-'.";
        if (SecretMarker is not null && !SecretMarkerRegex().IsMatch(SecretMarker))
            yield return new("secretMarker", marker);
        // In .NET the pattern's final $ also passes a trailing newline, so that is refused on its own.
        if (SecretMarker is not null && SecretMarker.EndsWith('\n'))
            yield return new("secretMarker", marker);
        if (PublicPaths is null)
            yield break;
        if (PublicPaths.Count > MaxPublicPaths)
            yield return new("publicPaths", $"publicPaths may list at most {MaxPublicPaths} prefixes.");
        if (AllowWholeSitePublic != true && PublicPaths.Any(path => path is not null && CoversWholeSite(path)))
            yield return new("publicPaths", "publicPaths would make the whole site public ('/' or an equivalent such as '//'): every request would pass without any origin, User-Agent or secret check. "
                + "To do that on purpose, send \"allowWholeSitePublic\": true with it.");
        for (var i = 0; i < PublicPaths.Count; i++)
            if (!IsPathPrefix(PublicPaths[i]))
                yield return new($"publicPaths[{i}]", "each public path must be a plain URI of at most 200 characters: '/'-separated segments of letters, digits and - . _ ~ ! $ & ' ( ) * + , = @ "
                    + "(and %20, the one encoding allowed), with no empty segment and no segment of only dots and spaces: the function matches only plain URIs to public paths.");
    }

    static bool IsPathPrefix(string? path) =>
        path is { Length: <= MaxPublicPathLength } && SafePath().IsMatch(path) && !DotSegment().IsMatch(path);
}
