using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAllowlist.Rules.Expectations;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Rules.Origins;
using EdgeAllowlist.Rules.Partners;
using EdgeAllowlist.Rules.Settings;
using EdgeAllowlist.Rules.UserAgents;

namespace EdgeAllowlist.Rules.DesiredState;

/// <summary>
/// A desired-state document checked and compiled into the store it gives: every item by the rules of
/// its single-item route (<see cref="OriginRules"/>, <see cref="UserAgentRuleRules"/>, <see cref="SettingsChange"/>,
/// <see cref="PartnerRules"/>, <see cref="ExpectationRules"/>), then the duplicates that show only once
/// normalised, then the keys an apply would write into a store that holds only the contract's default
/// policy. The API's apply and this compile are held to the same keys by a test in the API's tests.
/// </summary>
public static class DesiredStateRules
{
    // As strict as the API's bodies (StrictJson): a member given twice or unknown is an error, not a guess.
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The document in <paramref name="json"/>, or the one problem that stopped the reading, named under <paramref name="field"/>.</summary>
    public static (DesiredDocument? Document, FieldError? Problem) Read(string json, string field)
    {
        try
        {
            return JsonSerializer.Deserialize<DesiredDocument>(json, Json) is { } document
                ? (document, null)
                : (null, NullDocument(field));
        }
        catch (JsonException e)
        {
            return (null, ReadProblem(e, field));
        }
    }

    public static FieldError NullDocument(string field) => new(field, "The rules document is null; send a desired-state document.");

    /// <summary>A reading error as a field error: <c>rules.origins[3].expiresAt</c> and the reader's own words.</summary>
    public static FieldError ReadProblem(JsonException e, string field) =>
        new FieldError(e.Path is null or "$" ? "" : e.Path[2..], e.InnerException?.Message ?? e.Message).Under(field);

    /// <summary>Every problem of the items and the document's own fields, as the API's document validator reports them.</summary>
    public static IEnumerable<FieldError> Check(DesiredDocument document)
    {
        if (document.Version != DesiredDocument.CurrentVersion)
            yield return new("version", $"version must be {DesiredDocument.CurrentVersion}.");
        if (document.Origins is { Count: > DesiredDocument.MaxOrigins })
            yield return new("origins", $"origins may list at most {DesiredDocument.MaxOrigins} origins.");
        // A missing item gets the words FluentValidation gives NotNull, which the API answered with before these rules moved here.
        foreach (var error in Items(document.Origins, "origins", "Origins", o => OriginRules.Check(o.Origin, o.Note)))
            yield return error;
        foreach (var error in Items(document.UserAgents, "userAgents", "User Agents", u => UserAgentRuleRules.Check(u.List, u.Kind, u.Pattern)))
            yield return error;
        foreach (var error in document.Settings?.Check() ?? [])
            yield return error.Under("settings");
        foreach (var error in Items(document.Partners, "partners", "Partners", p => PartnerRules.Check(p.Id, p.Scope, p.Description)))
            yield return error;
        foreach (var error in Items(document.Expectations, "expectations", "Expectations", e => ExpectationRules.Check(e.Name, e.Request, e.Expect, e.Reason)))
            yield return error;
    }

    static IEnumerable<FieldError> Items<T>(IReadOnlyList<T?>? items, string field, string name, Func<T, IEnumerable<FieldError>> check) where T : class
    {
        for (var i = 0; i < (items?.Count ?? 0); i++)
        {
            if (items![i] is not { } item)
                yield return new($"{field}[{i}]", $"'{name}' must not be empty.");
            else
                foreach (var error in check(item))
                    yield return error.Under($"{field}[{i}]");
        }
    }

    /// <summary>Duplicates that only show after normalisation (two spellings of one origin, one rule twice); call on a checked document.</summary>
    public static IEnumerable<FieldError> Duplicates(DesiredDocument document)
    {
        var origins = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (document.Origins?.Count ?? 0); i++)
            if (!origins.TryAdd(OriginRules.Normalize(document.Origins![i]!.Origin!), i))
                yield return new($"origins[{i}].origin", $"origin is the same as origins[{origins[OriginRules.Normalize(document.Origins[i]!.Origin!)]}] once normalised.");
        var rules = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (document.UserAgents?.Count ?? 0); i++)
            if (!rules.TryAdd(RuleId(document.UserAgents![i]!), i))
                yield return new($"userAgents[{i}].pattern", $"pattern is the same rule as userAgents[{rules[RuleId(document.UserAgents[i]!)]}].");
        var partners = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (document.Partners?.Count ?? 0); i++)
            if (!partners.TryAdd(document.Partners![i]!.Id!, i))
                yield return new($"partners[{i}].id", $"id is listed twice (first as partners[{partners[document.Partners[i]!.Id!]}]).");
        var expectations = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < (document.Expectations?.Count ?? 0); i++)
            if (!expectations.TryAdd(document.Expectations![i]!.Name!, i))
                yield return new($"expectations[{i}].name", $"name is listed twice (first as expectations[{expectations[document.Expectations[i]!.Name!]}]).");
    }

    /// <summary>A checked User-Agent rule as stored: its list and glob.</summary>
    public static (string List, string Glob) Rule(DesiredUserAgent rule) => (rule.List!, UserAgentRuleRules.Glob(rule.Kind, rule.Pattern!));

    static string RuleId(DesiredUserAgent rule) => UserAgentMatcher.IdOf(rule.List!, Rule(rule).Glob);

    /// <summary>
    /// The store the document gives on a store holding only the contract's default policy: what apply
    /// would write there. A section left out is empty (no origins, no User-Agent rules) or the default
    /// (settings); secrets are never desired state, so none are in it.
    /// </summary>
    /// <returns>The keys, or the problems naming the document's fields (e.g. <c>origins[3].origin</c>), each under <paramref name="field"/> when given.</returns>
    public static (IReadOnlyDictionary<string, string>? Items, IReadOnlyList<FieldError> Errors) Compile(DesiredDocument document, string field = "")
    {
        // Duplicates show only once every origin normalises, so they are looked for after the checks pass.
        var errors = Check(document).ToList();
        if (errors.Count == 0)
            errors = [.. Duplicates(document)];
        if (errors.Count > 0)
            return (null, [.. errors.Select(e => e.Under(field))]);
        var state = new Dictionary<string, string>(StringComparer.Ordinal) { [KvsLayout.ConfigKey] = KvsLayout.DefaultConfig };
        try
        {
            if (document.Settings is { } settings)
            {
                var current = PolicySettings.From(state[KvsLayout.ConfigKey]);
                var wanted = settings.ApplyTo(current);
                if (wanted with { PublicPaths = current.PublicPaths } != current || !wanted.PublicPaths.SequenceEqual(current.PublicPaths))
                    state[KvsLayout.ConfigKey] = wanted.MergeIntoWithinQuota(state[KvsLayout.ConfigKey], "settings.publicPaths");
            }
            foreach (var origin in document.Origins ?? [])
                state[KvsLayout.OriginKey(OriginRules.Normalize(origin!.Origin!))] = KvsLayout.OriginValue(origin.ExpiresAt);
            if (document.UserAgents is { Count: > 0 } userAgents)
                foreach (var (key, value) in UserAgentShards.Write(state, [.. userAgents.Select(u => Rule(u!))]))
                {
                    if (value is null)
                        state.Remove(key);
                    else
                        state[key] = value;
                }
        }
        catch (RuleViolationException e)
        {
            // The shards overflow for the document's User-Agent rules as a whole, not for one pattern.
            return (null, [new FieldError(e.Field == "pattern" ? "userAgents" : e.Field, e.Message).Under(field)]);
        }
        return (state, []);
    }
}
