using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAllowlist.Api.Features.DesiredState;
using EdgeAllowlist.Rules;
using EdgeAllowlist.Rules.DesiredState;

namespace EdgeAllowlist.Api.Features.Rollout;

/// <summary>A candidate desired-state document for replay, read as the API reads its bodies and compiled by the shared rules.</summary>
static class RolloutCandidate
{
    // As strict as the API's bodies (StrictJson): a member given twice or unknown is an error, not a guess.
    static readonly JsonSerializerOptions DocumentJson = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>
    /// The store the candidate document would give on an empty store (<see cref="DesiredStateRules.Compile"/>).
    /// </summary>
    /// <returns>The keys, or the problems naming the document's fields (e.g. <c>rules.origins[3].origin</c>).</returns>
    public static async Task<(IReadOnlyDictionary<string, string>? Items, IReadOnlyList<FieldError> Errors)> CompileAsync(Stream json, string field, CancellationToken ct)
    {
        DesiredStateDocument? document;
        try
        {
            document = await JsonSerializer.DeserializeAsync<DesiredStateDocument>(json, DocumentJson, ct);
        }
        catch (JsonException e)
        {
            return (null, [DesiredStateRules.ReadProblem(e, field)]);
        }
        return document is null ? (null, [DesiredStateRules.NullDocument(field)]) : DesiredStateRules.Compile(document.ToRules(), field);
    }
}
