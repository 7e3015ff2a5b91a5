using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAllowlist.Api.Features.DesiredState;
using EdgeAllowlist.Api.Features.Origins;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.EdgeFunction.Rollout;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Rules.Origins;
using FluentValidation.Results;
using AddUserAgent = EdgeAllowlist.Api.Features.UserAgents.Add.Request;

namespace EdgeAllowlist.Api.Features.Rollout;

/// <summary>
/// The API's own rules for the rollout engine, so the CLI and the API judge alike: origins through
/// the origin validator (UTS #46, the Public Suffix List), User-Agent patterns through the single-rule
/// validator, and a candidate desired-state document through the document validator and the plan
/// that apply would run.
/// </summary>
public sealed class RolloutRules : IRolloutRules
{
    public static RolloutRules Instance { get; } = new();

    // As strict as the API's bodies (StrictJson): a member given twice or unknown is an error, not a guess.
    static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    static readonly AddUserAgent.Validator UserAgentValidator = new();

    public string? AddableOrigin(string origin) => OriginName.TryNormalize(origin, out var normalized, out _) ? normalized : null;

    public bool AddableWildcard(string wildcardOrigin) => OriginName.TryNormalize(wildcardOrigin, out var normalized, out _) && normalized.Contains("://*.", StringComparison.Ordinal);

    public bool AddableUserAgentSubstring(string pattern) => UserAgentValidator.Validate(new AddUserAgent("allow", "substring", pattern)).IsValid;

    /// <summary>
    /// The store the candidate document would give on an empty store: what apply would write there,
    /// over the contract's default policy. A section left out is empty (no origins, no User-Agent
    /// rules) or the default (settings); secrets are never desired state, so none are in it.
    /// </summary>
    /// <returns>The keys, or the problems naming the document's fields (e.g. <c>origins[3].origin</c>).</returns>
    public static async Task<(IReadOnlyDictionary<string, string>? Items, IReadOnlyList<ValidationFailure> Errors)> CandidateAsync(Stream json, string field, CancellationToken ct)
    {
        DesiredStateDocument? document;
        try
        {
            document = await JsonSerializer.DeserializeAsync<DesiredStateDocument>(json, DocumentJson, ct);
        }
        catch (JsonException e)
        {
            var path = e.Path is null or "$" ? field : $"{field}.{e.Path[2..]}";
            return (null, [new(path, e.InnerException?.Message ?? e.Message)]);
        }
        if (document is null)
            return (null, [new(field, "The rules document is null; send a desired-state document.")]);
        // Duplicates show only once every origin normalises, so they are looked for after the validator passes.
        var failures = new DesiredStateDocument.Validator().Validate(document).Errors;
        var errors = (failures.Count > 0 ? failures : document.Duplicates())
            .Select(f => new ValidationFailure($"{field}.{CamelPath(f.PropertyName)}", f.ErrorMessage)).ToList();
        if (errors.Count > 0)
            return (null, errors);
        var state = new Dictionary<string, string>(StringComparer.Ordinal) { [KvsLayout.ConfigKey] = KvsLayout.DefaultConfig };
        try
        {
            var plan = ComputedPlan.Compute(document, state, new Dictionary<string, string>(), [], [], int.MaxValue);
            foreach (var write in plan.StoreWrites)
            {
                if (write.Value is null)
                    state.Remove(write.Key);
                else
                    state[write.Key] = write.Value;
            }
        }
        catch (Infrastructure.Writer.MutationRejectedException e)
        {
            return (null, [new($"{field}.{(e.Field == "pattern" ? "userAgents" : e.Field)}", e.Message)]);
        }
        return (state, []);
    }

    /// <summary><c>Origins[3].Origin</c> as the document spells it: <c>origins[3].origin</c>.</summary>
    static string CamelPath(string path) =>
        string.Join('.', path.Split('.').Select(part => part.Length == 0 ? part : char.ToLowerInvariant(part[0]) + part[1..]));
}
