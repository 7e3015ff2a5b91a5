using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Settings.Update;

sealed class Endpoint(StoreWriter writer) : Endpoint<Request, EdgePolicy>
{
    public override void Configure()
    {
        Patch("/settings");
        Permissions(ApiScopes.RulesWrite);
        Summary(s =>
        {
            s.Summary = "Change some settings; members left out keep their value. Use mode 'report' to try a change safely.";
            s.RequestExamples.Add(new(new { mode = "report" }, "Report only"));
            s.RequestExamples.Add(new(new { mode = "enforce", noOrigin = "ua" }, "Enforce; native players by User-Agent"));
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        await writer.SubmitKeyedAsync(HttpContext.ToActor(), [KvsLayout.ConfigKey], state =>
        {
            var cfg = state.GetValueOrDefault(KvsLayout.ConfigKey);
            var wanted = req.ApplyTo(EdgePolicy.From(cfg));
            var value = wanted.MergeIntoWithinQuota(cfg, "publicPaths");
            return [new KeyWrite(KvsLayout.ConfigKey, value, AuditActions.SettingsUpdate, KvsLayout.ConfigKey, req.AuditDetail(wanted))];
        }, ct);
        await Send.OkAsync(EdgePolicy.From((await writer.GetStateAsync(ct)).Items.GetValueOrDefault(KvsLayout.ConfigKey)), ct);
    }
}

// Numbers only as JSON numbers: the function reads "403" as a string and refuses it, so the API must not take it either.
[System.Text.Json.Serialization.JsonNumberHandling(System.Text.Json.Serialization.JsonNumberHandling.Strict)]
sealed partial record Request(
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
    public const string WholeSitePublicDetail = "allowWholeSitePublic: publicPaths make the whole site public; every origin, User-Agent and secret check is skipped";

    /// <summary>The settings in force, as a request that would set them again (a desired-state export).</summary>
    public static Request From(EdgePolicy policy) => new(policy.Mode, policy.NoOrigin, policy.PublicPaths, policy.SecretMarker, policy.WildcardDepth,
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
    public string? AuditDetail(EdgePolicy wanted) =>
        PublicPaths is not null && AllowWholeSitePublic == true && wanted.PublicPaths.Any(CoversWholeSite) ? WholeSitePublicDetail : null;

    /// <summary>The policy with this request's members applied; members left out keep their value.</summary>
    public EdgePolicy ApplyTo(EdgePolicy current) => new(
        Mode ?? current.Mode,
        NoOrigin ?? current.NoOrigin,
        PublicPaths ?? current.PublicPaths,
        SecretMarker ?? current.SecretMarker,
        WildcardDepth ?? current.WildcardDepth,
        DenyStatus ?? current.DenyStatus,
        FailPolicy ?? current.FailPolicy,
        RevealReason ?? current.RevealReason,
        LogDenials ?? current.LogDenials);

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Mode).Must(m => m is null || EdgePolicy.Modes.Contains(m)).WithMessage($"mode must be one of: {string.Join(", ", EdgePolicy.Modes)}.");
            RuleFor(r => r.NoOrigin).Must(m => m is null || EdgePolicy.NoOriginPolicies.Contains(m)).WithMessage($"noOrigin must be one of: {string.Join(", ", EdgePolicy.NoOriginPolicies)}.");
            RuleFor(r => r.FailPolicy).Must(m => m is null || EdgePolicy.FailPolicies.Contains(m)).WithMessage($"failPolicy must be one of: {string.Join(", ", EdgePolicy.FailPolicies)}.");
            RuleFor(r => r.DenyStatus).Must(s => s is null || EdgePolicy.DenyStatuses.Contains(s.Value)).WithMessage("denyStatus must be 401, 403 or 404.");
            RuleFor(r => r.WildcardDepth).InclusiveBetween(0, 5);
            const string marker = "secretMarker must be 1 to 32 letters, digits, '_' or '-'.";
            // The pattern is the contract's (and the OpenAPI document's); in .NET its final $ also passes a trailing newline.
            RuleFor(r => r.SecretMarker).Matches(SecretMarkerPattern).WithMessage(marker).Must(m => m is null || !m.EndsWith('\n')).WithMessage(marker);
            RuleFor(r => r.PublicPaths).Must(p => p is null || p.Count <= 20).WithMessage("publicPaths may list at most 20 prefixes.");
            RuleFor(r => r.PublicPaths).Must((r, p) => p is null || r.AllowWholeSitePublic == true || !p.Any(path => path is not null && CoversWholeSite(path)))
                .WithMessage("publicPaths would make the whole site public ('/' or an equivalent such as '//'): every request would pass without any origin, User-Agent or secret check. "
                    + "To do that on purpose, send \"allowWholeSitePublic\": true with it.");
            RuleForEach(r => r.PublicPaths).Must(BeAPathPrefix)
                .WithMessage("each public path must be a plain URI of at most 200 characters: '/'-separated segments of letters, digits and - . _ ~ ! $ & ' ( ) * + , = @ "
                    + "(and %20, the one encoding allowed), with no empty segment and no segment of only dots and spaces: the function matches only plain URIs to public paths.");
        }

        static bool BeAPathPrefix(string? path) =>
            path is { Length: <= 200 } && SafePath().IsMatch(path) && !DotSegment().IsMatch(path);
    }

    // The patterns of function/contract.json (cfg.marker, cfg.public, dotSegment; SettingsContractTests
    // compares them); SafePath ends in \z where JavaScript's final $ means the end (in .NET $ also matches before a trailing newline).
    internal const string SecretMarkerPattern = "^[A-Za-z0-9_-]{1,32}$";

    [GeneratedRegex(@"^(?=/)(/([A-Za-z0-9._~!$&'()*+,=@-]|%20)+)*/?\z")]
    internal static partial Regex SafePath();

    [GeneratedRegex(@"(^|/)(\.|%20)+(/|$)")]
    internal static partial Regex DotSegment();
}
