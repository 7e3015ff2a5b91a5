using System.Text.Json.Serialization;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.Api.Infrastructure.OpenApi;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Rules.Settings;

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
/// <summary>The API's body for <see cref="SettingsChange"/>, whose rules and effect it uses.</summary>
[System.Text.Json.Serialization.JsonNumberHandling(System.Text.Json.Serialization.JsonNumberHandling.Strict)]
sealed record Request(
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
    /// <summary>The settings in force, as a request that would set them again (a desired-state export).</summary>
    public static Request From(EdgePolicy policy) => From(SettingsChange.From(policy.ToRules()));

    static Request From(SettingsChange c) =>
        new(c.Mode, c.NoOrigin, c.PublicPaths, c.SecretMarker, c.WildcardDepth, c.DenyStatus, c.FailPolicy, c.RevealReason, c.LogDenials, c.AllowWholeSitePublic);

    public SettingsChange ToRules() =>
        new(Mode, NoOrigin, PublicPaths, SecretMarker, WildcardDepth, DenyStatus, FailPolicy, RevealReason, LogDenials, AllowWholeSitePublic);

    /// <summary>What the audit entry of this change records beyond the values: that the whole site was made public on purpose.</summary>
    public string? AuditDetail(EdgePolicy wanted) => ToRules().AuditDetail(wanted.ToRules());

    /// <summary>The policy with this request's members applied; members left out keep their value.</summary>
    public EdgePolicy ApplyTo(EdgePolicy current) => EdgePolicy.Of(ToRules().ApplyTo(current.ToRules()));

    /// <summary>The rules of <see cref="SettingsChange"/>, which a desired-state document's settings pass too.</summary>
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.WildcardDepth).DocumentedRange(SettingsChange.MinWildcardDepth, SettingsChange.MaxWildcardDepth);
            RuleFor(r => r.SecretMarker).DocumentedPattern(SettingsChange.SecretMarkerPattern);
            this.ReportedBy(r => r.ToRules().Check());
        }
    }
}
