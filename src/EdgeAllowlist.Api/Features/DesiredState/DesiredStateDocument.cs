using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.Api.Infrastructure.OpenApi;
using EdgeAllowlist.Rules.DesiredState;
using EdgeAllowlist.Rules.UserAgents;
using FluentValidation.Results;
using CreatePartner = EdgeAllowlist.Api.Features.Partners.Create.Request;
using ExpectationDefinition = EdgeAllowlist.Api.Features.Expectations.ExpectationDefinition;
using UpdateSettings = EdgeAllowlist.Api.Features.Settings.Update.Request;
using UserAgentRule = EdgeAllowlist.Api.Features.UserAgents.UserAgentRule;

namespace EdgeAllowlist.Api.Features.DesiredState;

/// <summary>
/// The rules as a file a team keeps in Git: origins (with expiry and note), User-Agent rules, the
/// edge policy, the partners with their scope, and the expectations every write must keep (the
/// admin's own; built-in ones are derived from the rules). Secrets are not desired state — they are issued,
/// shown once and rotated, never declared — so a document has no place for them. A section left out
/// (null) is not managed: apply leaves it as it is; a section given is the whole of it.
/// </summary>
sealed record DesiredStateDocument(
    int Version,
    IReadOnlyList<OriginEntry>? Origins,
    IReadOnlyList<UserAgentEntry>? UserAgents,
    UpdateSettings? Settings,
    IReadOnlyList<CreatePartner>? Partners,
    IReadOnlyList<ExpectationDefinition>? Expectations = null)
{
    public const int CurrentVersion = DesiredDocument.CurrentVersion;

    public const int MaxOrigins = DesiredDocument.MaxOrigins;

    /// <summary>The document as the shared rules read it (EdgeAllowlist.Rules.DesiredState), the same members.</summary>
    public DesiredDocument ToRules() => new(
        Version,
        Origins?.Select(o => o is null ? null : new DesiredOrigin(o.Origin, o.ExpiresAt, o.Note)).ToList(),
        UserAgents?.Select(u => u is null ? null : new DesiredUserAgent(u.List, u.Kind, u.Pattern)).ToList(),
        Settings?.ToRules(),
        Partners?.Select(p => p is null ? null : new DesiredPartner(p.Id, p.Scope, p.Description)).ToList(),
        Expectations?.Select(e => e is null ? null : new DesiredExpectation(e.Name, e.Request?.ToRules(), e.Expect, e.Reason)).ToList());

    /// <summary>
    /// <see cref="DesiredStateRules.Check"/>: each item by the rules of its single-item endpoint, so a
    /// document accepts exactly what those endpoints accept; an error names its path, e.g. <c>origins[3].origin</c>.
    /// Expiries in the past are allowed: an export holds expired origins until someone deletes them.
    /// </summary>
    internal sealed class Validator : Validator<DesiredStateDocument>
    {
        public Validator()
        {
            RuleFor(d => d.Origins).DocumentedAsRequired();
            RuleFor(d => d.UserAgents).DocumentedAsRequired();
            RuleFor(d => d.Partners).DocumentedAsRequired();
            RuleFor(d => d.Expectations).DocumentedAsRequired();
            this.ReportedBy(d => DesiredStateRules.Check(d.ToRules()));
        }
    }

    /// <summary>Duplicates that only show after normalisation (two spellings of one origin, one rule twice), as path → message; for a checked document.</summary>
    public IEnumerable<ValidationFailure> Duplicates() => DesiredStateRules.Duplicates(ToRules()).Select(e => e.ToFailure());
}

/// <summary>An allowed origin; <see cref="ExpiresAt"/> null means permanent.</summary>
sealed record OriginEntry(string Origin, DateTimeOffset? ExpiresAt, string? Note);

/// <summary>A User-Agent rule as the single-rule endpoint takes it: list allow|deny, kind contains|prefix|exact|wildcard.</summary>
sealed record UserAgentEntry(string List, string Kind, string Pattern)
{
    internal UserAgentRule Rule => UserAgentRule.FromGlob(List, UserAgentRuleRules.Glob(Kind, Pattern), -1);

    internal static UserAgentEntry From(UserAgentRule rule) => new(rule.List, rule.Kind, rule.Pattern);
}
