using System.Text.Json;
using EdgeAllowlist.Api.Features.Origins;
using FluentValidation.Results;
using AddUserAgent = EdgeAllowlist.Api.Features.UserAgents.Add.Request;
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
    public const int CurrentVersion = 1;

    /// <summary>
    /// Origins one document may list. A document describes the whole rule set, so it must fit every
    /// store an export can produce: the store's 5 MB holds about 160,000 origins with short names
    /// (about 32 bytes of key and value each). Larger than the bulk route's cap, which is per request.
    /// </summary>
    public const int MaxOrigins = 200_000;

    /// <summary>
    /// Each item is checked by the validator of its single-item endpoint, so a document accepts
    /// exactly what those endpoints accept; an error names its path, e.g. <c>origins[3].origin</c>.
    /// Expiries in the past are allowed: an export holds expired origins until someone deletes them.
    /// </summary>
    internal sealed class Validator : Validator<DesiredStateDocument>
    {
        public Validator()
        {
            var userAgent = new AddUserAgent.Validator();
            RuleFor(d => d.Version).Equal(CurrentVersion).WithMessage($"version must be {CurrentVersion}.");
            RuleFor(d => d.Origins).Must(o => o is null || o.Count <= MaxOrigins)
                .WithMessage($"origins may list at most {MaxOrigins} origins.");
            RuleForEach(d => d.Origins).NotNull().ChildRules(item =>
            {
                item.RuleFor(i => i.Origin).ValidOrigin();
                item.RuleFor(i => i.Note).ValidNote();
            });
            RuleForEach(d => d.UserAgents).NotNull().Custom((entry, context) =>
            {
                foreach (var failure in userAgent.Validate(new AddUserAgent(entry.List, entry.Kind, entry.Pattern)).Errors)
                    context.AddFailure(new ValidationFailure($"{context.PropertyPath}.{JsonNamingPolicy.CamelCase.ConvertName(failure.PropertyName)}", failure.ErrorMessage));
            });
            RuleFor(d => d.Settings!).SetValidator(new UpdateSettings.Validator()).When(d => d.Settings is not null);
            RuleForEach(d => d.Partners).NotNull().SetValidator(new CreatePartner.Validator());
            RuleForEach(d => d.Expectations).NotNull().SetValidator(new ExpectationDefinition.Validator());
        }
    }

    /// <summary>Duplicates that only show after normalisation (two spellings of one origin, one rule twice), as path → message.</summary>
    public IEnumerable<ValidationFailure> Duplicates()
    {
        var origins = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (Origins?.Count ?? 0); i++)
            if (!origins.TryAdd(OriginRules.Normalize(Origins![i].Origin), i))
                yield return new($"origins[{i}].origin", $"origin is the same as origins[{origins[OriginRules.Normalize(Origins[i].Origin)]}] once normalised.");
        var rules = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (UserAgents?.Count ?? 0); i++)
            if (!rules.TryAdd(UserAgents![i].Rule.Id, i))
                yield return new($"userAgents[{i}].pattern", $"pattern is the same rule as userAgents[{rules[UserAgents[i].Rule.Id]}].");
        var partners = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (Partners?.Count ?? 0); i++)
            if (!partners.TryAdd(Partners![i].Id, i))
                yield return new($"partners[{i}].id", $"id is listed twice (first as partners[{partners[Partners[i].Id]}]).");
        var expectations = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (Expectations?.Count ?? 0); i++)
            if (!expectations.TryAdd(Expectations![i].Name, i))
                yield return new($"expectations[{i}].name", $"name is listed twice (first as expectations[{expectations[Expectations[i].Name]}]).");
    }
}

/// <summary>An allowed origin; <see cref="ExpiresAt"/> null means permanent.</summary>
sealed record OriginEntry(string Origin, DateTimeOffset? ExpiresAt, string? Note);

/// <summary>A User-Agent rule as the single-rule endpoint takes it: list allow|deny, kind contains|prefix|exact|wildcard.</summary>
sealed record UserAgentEntry(string List, string Kind, string Pattern)
{
    internal UserAgentRule Rule => new AddUserAgent(List, Kind, Pattern).Rule();

    internal static UserAgentEntry From(UserAgentRule rule) => new(rule.List, rule.Kind, rule.Pattern);
}
