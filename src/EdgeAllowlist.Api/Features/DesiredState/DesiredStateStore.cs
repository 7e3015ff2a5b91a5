using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.DesiredState;

/// <summary>The document is not one the API would apply; every problem names its path.</summary>
public sealed class InvalidDesiredStateException(IReadOnlyList<string> problems)
    : Exception(string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The store contents the API writes for a desired-state document into a store that holds only the
/// default policy: the same strict reading, validators and plan as <c>POST /v1/desired-state/apply</c>,
/// with no database, writer or store. <c>edge-allowlist function test --rules</c> runs the function
/// against it, so what is tested is what an apply would put in the KeyValueStore.
/// </summary>
public static class DesiredStateStore
{
    // The reading StrictJson gives request bodies: a repeated or unknown member is refused, never guessed at.
    static readonly JsonSerializerOptions Strict = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <exception cref="InvalidDesiredStateException">The document would be refused by the API.</exception>
    public static IReadOnlyList<KeyValueItem> Compile(string json)
    {
        DesiredStateDocument document;
        try
        {
            document = JsonSerializer.Deserialize<DesiredStateDocument>(json, Strict)
                ?? throw new InvalidDesiredStateException(["body: the document is null; write a mapping with version, origins, userAgents, settings, partners"]);
        }
        catch (JsonException e)
        {
            throw new InvalidDesiredStateException([$"{e.Path ?? "body"}: {e.Message}"]);
        }
        var problems = new DesiredStateDocument.Validator().Validate(document).Errors.Concat(document.Duplicates())
            .Select(failure => $"{JsonNamingPolicy.CamelCase.ConvertName(failure.PropertyName)}: {failure.ErrorMessage}")
            .ToList();
        if (problems.Count > 0)
            throw new InvalidDesiredStateException(problems);

        var items = new Dictionary<string, string>(StringComparer.Ordinal) { [KvsLayout.ConfigKey] = KvsLayout.DefaultConfig };
        ComputedPlan plan;
        try
        {
            plan = ComputedPlan.Compute(document, items, new Dictionary<string, string>(), [], [], int.MaxValue);
        }
        catch (MutationRejectedException e)
        {
            throw new InvalidDesiredStateException([$"{e.Field}: {e.Message}"]);
        }
        foreach (var write in plan.StoreWrites)
        {
            if (write.Value is null)
                items.Remove(write.Key);
            else
                items[write.Key] = write.Value;
        }
        return [.. items.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => new KeyValueItem(i.Key, i.Value))];
    }
}
