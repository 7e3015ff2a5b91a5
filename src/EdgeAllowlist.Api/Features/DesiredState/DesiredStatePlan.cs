using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Features.Origins;
using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Features.Settings;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.DesiredState;

/// <summary>One difference between a document and the rules in force: kind origin|userAgent|setting|partner, op add|remove|change.</summary>
sealed record PlannedChange(string Kind, string Op, string Id, JsonNode? Before, JsonNode? After)
{
    public const string Add = "add";
    public const string Remove = "remove";
    public const string Change = "change";
}

sealed record PlanCounts(int Additions, int Deletions, int Changes);

/// <summary>
/// What applying a document would do. <see cref="PlanDigest"/> hashes the changes themselves, so an
/// apply that names it (If-Match) runs only when it would make exactly the changes reviewed.
/// </summary>
sealed record PlanView(string PlanDigest, string DocumentDigest, PlanCounts Counts, int MaxDeletions, bool NeedsForce, IReadOnlyList<PlannedChange> Changes)
{
    /// <summary>The expectations the store changes would break (apply refuses them unless forced); not part of the digest, which covers the changes only.</summary>
    public IReadOnlyList<ExpectationFlip> Flips { get; init; } = [];
}

/// <summary>A plan and what carrying it out writes: KVS keys, origin notes, new partners, the admin's expectations (null: not managed).</summary>
sealed record ComputedPlan(PlanView View, IReadOnlyList<KeyWrite> StoreWrites, IReadOnlyList<(string Origin, string Note)> NoteWrites, IReadOnlyList<(int Index, Partners.Create.Request Partner)> PartnerAdds, IReadOnlyList<(int Index, Partners.Create.Request Partner)> PartnerChanges,
    IReadOnlyList<Expectations.ExpectationDefinition>? ExpectationsWanted = null)
{
    /// <summary>
    /// A pure function of the document and the state it is given, so the writer can re-run it
    /// against the state it is about to write over and compare digests.
    /// </summary>
    public static ComputedPlan Compute(DesiredStateDocument document, IReadOnlyDictionary<string, string> state, IReadOnlyDictionary<string, string> notes,
        IReadOnlyList<Partner> partners, IReadOnlyList<Expectations.ExpectationDefinition> expectations, int maxDeletions)
    {
        var changes = new List<PlannedChange>();
        var writes = new Dictionary<string, KeyWrite>(StringComparer.Ordinal);
        var noteWrites = new List<(string, string)>();
        var working = new Dictionary<string, string>(state, StringComparer.Ordinal);

        if (document.Settings is { } settings)
        {
            var cfg = state.GetValueOrDefault(KvsLayout.ConfigKey);
            var current = EdgePolicy.From(cfg);
            var wanted = settings.ApplyTo(current);
            var before = JsonSerializer.SerializeToNode(current, JsonSerializerOptions.Web)!.AsObject();
            var after = JsonSerializer.SerializeToNode(wanted, JsonSerializerOptions.Web)!.AsObject();
            foreach (var (field, value) in after)
                if (!JsonNode.DeepEquals(value, before[field]))
                    changes.Add(new("setting", PlannedChange.Change, field, before[field]?.DeepClone(), value?.DeepClone()));
            if (changes.Count > 0)
            {
                working[KvsLayout.ConfigKey] = wanted.MergeIntoWithinQuota(cfg, "settings.publicPaths");
                writes[KvsLayout.ConfigKey] = new(KvsLayout.ConfigKey, working[KvsLayout.ConfigKey], AuditActions.SettingsUpdate, KvsLayout.ConfigKey, settings.AuditDetail(wanted));
            }
        }

        if (document.Origins is { } origins)
        {
            var desired = origins.ToDictionary(o => OriginRules.Normalize(o.Origin), o => o, StringComparer.Ordinal);
            var existing = state.Where(i => i.Key.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal))
                .ToDictionary(i => i.Key[KvsLayout.OriginPrefix.Length..], i => i.Value, StringComparer.Ordinal);
            foreach (var (origin, value) in existing.Where(e => !desired.ContainsKey(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                changes.Add(new("origin", PlannedChange.Remove, origin, Describe(value, notes.GetValueOrDefault(origin)), null));
                writes[KvsLayout.OriginKey(origin)] = new(KvsLayout.OriginKey(origin), null, AuditActions.OriginDelete, origin);
                if (notes.ContainsKey(origin))
                    noteWrites.Add((origin, ""));
            }
            foreach (var (origin, entry) in desired.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                var value = KvsLayout.OriginValue(entry.ExpiresAt);
                var note = string.IsNullOrEmpty(entry.Note) ? null : entry.Note;
                var oldNote = notes.GetValueOrDefault(origin);
                var oldValue = existing.GetValueOrDefault(origin);
                if (oldValue is null)
                    changes.Add(new("origin", PlannedChange.Add, origin, null, Describe(value, note)));
                else if (oldValue != value || oldNote != note)
                    changes.Add(new("origin", PlannedChange.Change, origin, Describe(oldValue, oldNote), Describe(value, note)));
                if (oldValue != value)
                    writes[KvsLayout.OriginKey(origin)] = new(KvsLayout.OriginKey(origin), value, AuditActions.ForOrigin(oldValue, value), origin);
                if (oldNote != note)
                    noteWrites.Add((origin, note ?? ""));
            }
        }

        if (document.UserAgents is { } userAgents)
        {
            var current = UserAgentRules.Read(state);
            var desired = userAgents.Select(u => u.Rule).ToList();
            var currentIds = current.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            var desiredIds = desired.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
            var removed = current.Where(r => !desiredIds.Contains(r.Id)).ToList();
            var added = desired.Where(r => !currentIds.Contains(r.Id)).ToList();
            changes.AddRange(removed.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => new PlannedChange("userAgent", PlannedChange.Remove, r.Id, Describe(r), null)));
            changes.AddRange(added.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => new PlannedChange("userAgent", PlannedChange.Add, r.Id, null, Describe(r))));
            // Rules are re-packed only when the set changes; the same set in another order is no change.
            if (removed.Count + added.Count > 0)
                foreach (var write in UserAgentRules.Plan(working, _ => desired, AuditActions.UserAgentUpdate))
                    // cfg carries both the settings and the shard count: a settings change names it.
                    writes[write.Key] = writes.TryGetValue(write.Key, out var settingsWrite) ? write with { Action = settingsWrite.Action, Detail = settingsWrite.Detail } : write;
        }

        var partnerAdds = new List<(int, Partners.Create.Request)>();
        var partnerChanges = new List<(int, Partners.Create.Request)>();
        if (document.Partners is { } wantedPartners)
        {
            var known = partners.ToDictionary(p => p.Id, StringComparer.Ordinal);
            for (var i = 0; i < wantedPartners.Count; i++)
            {
                var partner = wantedPartners[i];
                var after = new JsonObject { ["scope"] = partner.Scope, ["description"] = partner.Description };
                if (!known.TryGetValue(partner.Id, out var existing))
                {
                    changes.Add(new("partner", PlannedChange.Add, partner.Id, null, after));
                    partnerAdds.Add((i, partner));
                }
                else if (existing.Scope != partner.Scope || existing.Description != partner.Description)
                {
                    changes.Add(new("partner", PlannedChange.Change, partner.Id, new JsonObject { ["scope"] = existing.Scope, ["description"] = existing.Description }, after));
                    partnerChanges.Add((i, partner));
                }
            }
        }

        if (document.Expectations is { } wantedExpectations)
        {
            var current = expectations.ToDictionary(e => e.Name, StringComparer.Ordinal);
            var wantedNames = wantedExpectations.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in current.Values.Where(e => !wantedNames.Contains(e.Name)).OrderBy(e => e.Name, StringComparer.Ordinal))
                changes.Add(new("expectation", PlannedChange.Remove, gone.Name, Describe(gone), null));
            foreach (var wanted in wantedExpectations.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (!current.TryGetValue(wanted.Name, out var existing))
                    changes.Add(new("expectation", PlannedChange.Add, wanted.Name, null, Describe(wanted)));
                else if (Expectations.ExpectationStore.Serialize(existing) != Expectations.ExpectationStore.Serialize(wanted))
                    changes.Add(new("expectation", PlannedChange.Change, wanted.Name, Describe(existing), Describe(wanted)));
            }
        }

        var counts = new PlanCounts(
            changes.Count(c => c.Op == PlannedChange.Add),
            changes.Count(c => c.Op == PlannedChange.Remove),
            changes.Count(c => c.Op == PlannedChange.Change));
        var view = new PlanView(Digest(changes), Digest(document), counts, maxDeletions, counts.Deletions > maxDeletions, changes);
        return new(view, [.. writes.Values], noteWrites, partnerAdds, partnerChanges, document.Expectations);
    }

    static JsonObject Describe(string value, string? note) =>
        new() { ["expiresAt"] = KvsLayout.ReadExpiry(value)?.ToString("O", System.Globalization.CultureInfo.InvariantCulture), ["note"] = note };

    static JsonNode Describe(Expectations.ExpectationDefinition expectation) => JsonNode.Parse(Expectations.ExpectationStore.Serialize(expectation))!;

    static JsonObject Describe(UserAgentRule rule) => new() { ["list"] = rule.List, ["kind"] = rule.Kind, ["pattern"] = rule.Pattern };

    /// <summary>SHA-256 of the value as compact JSON, prefixed with the algorithm so the form can change later.</summary>
    public static string Digest<T>(T value) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, JsonSerializerOptions.Web))));
}
