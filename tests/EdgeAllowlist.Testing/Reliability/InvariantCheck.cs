using System.Net.Http.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Reliability;

/// <summary>Figures of one check, for the report.</summary>
public sealed record CheckSummary(int Mutations, int Acknowledged, int Failed, int Recovered, int ExternalChanges, long AuditEntries, int Violations);

/// <summary>
/// DESIGN.md §5 invariants 2, 3 and 6 checked from the outside, against the store itself (read with
/// the AWS client) and the audit trail (exported over HTTP):
/// the trail replayed key by key gives exactly what the store holds; every acknowledged change is in
/// the store and audited exactly once for its requester; a failed one at most once; no secret exists
/// that no request asked for; no change of ours is audited as an anonymous external change; and the
/// hash chain verifies.
/// </summary>
public static class InvariantCheck
{
    public const string ExternalChange = "kvs.external-change";
    public const string RecoveryDetailPrefix = "completed by recovery";

    public static async Task<(CheckSummary Summary, List<string> Violations)> RunAsync(
        HttpClient admin, IKeyValueStore store, IReadOnlyCollection<MutationOutcome> outcomes, IReadOnlySet<string>? externalKeys = null)
    {
        var violations = new List<string>();
        var verify = await admin.GetFromJsonAsync<JsonNode>("/v1/audit/verify");
        if (verify?["valid"]?.GetValue<bool>() != true)
            violations.Add($"audit chain does not verify: {verify?.ToJsonString()}");
        var audit = await ExportAsync(admin);
        var items = await ReadStoreAsync(store);

        CompareReplayWithStore(audit, items, violations);
        var changes = audit.Where(e => (string)e["outcome"]! is "success" or "detected").ToList();
        CheckOutcomes(changes, items, outcomes, violations);
        CheckExternal(changes, externalKeys ?? new HashSet<string>(), violations);

        // Contains, not StartsWith: a forced write's note on expectation flips comes before it.
        var recovered = changes.Count(e => ((string?)e["detail"])?.Contains(RecoveryDetailPrefix, StringComparison.Ordinal) == true);
        var external = changes.Count(e => (string)e["action"]! == ExternalChange);
        return (new(outcomes.Count, outcomes.Count(o => o.Acknowledged), outcomes.Count(o => !o.Acknowledged), recovered, external, audit.Count, violations.Count), violations);
    }

    public static async Task<List<JsonNode>> ExportAsync(HttpClient admin)
    {
        var text = await admin.GetStringAsync("/v1/audit/export");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }

    public static async Task<Dictionary<string, string>> ReadStoreAsync(IKeyValueStore store) =>
        (await store.ReadAllAsync()).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);

    /// <summary>Secrets are keyed by hash in the store and by partner/id in the trail; both map to x:partner/id.</summary>
    static string Identity(string key, string? value)
    {
        if (!key.StartsWith("x:", StringComparison.Ordinal) || value is null)
            return key;
        var node = JsonNode.Parse(value);
        return node?["p"] is { } p && node["id"] is { } id ? $"x:{p}/{id}" : key;
    }

    /// <summary>The store key an audit entry changed, or null for entries that touch no key (partners, tokens, notes, refusals).</summary>
    static string? IdentityOf(JsonNode entry)
    {
        var action = (string)entry["action"]!;
        var target = (string)entry["target"]!;
        return action switch
        {
            // Origins are audited by name in every entry (the API's one target form), other keys by key.
            ExternalChange when target.StartsWith("http", StringComparison.Ordinal) => "o:" + target,
            ExternalChange => Identity(target, (string?)entry["after"] ?? (string?)entry["before"]),
            "origin.add" or "origin.delete" or "origin.expiry" => "o:" + target,
            _ when action.StartsWith("secret.", StringComparison.Ordinal) => "x:" + target,
            _ when action.StartsWith("settings.", StringComparison.Ordinal) => "cfg",
            _ when action.StartsWith("ua.", StringComparison.Ordinal) => null,
            _ => null,
        };
    }

    static void CompareReplayWithStore(List<JsonNode> audit, Dictionary<string, string> items, List<string> violations)
    {
        var model = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in audit.Where(e => (string)e["outcome"]! is "success" or "detected"))
        {
            if (IdentityOf(entry) is not { } identity)
                continue;
            if ((string?)entry["after"] is { } after)
                model[identity] = after;
            else
                model.Remove(identity);
        }
        var stored = items.Where(i => !i.Key.StartsWith("ua:", StringComparison.Ordinal))
            .ToDictionary(i => Identity(i.Key, i.Value), i => i.Value, StringComparer.Ordinal);
        foreach (var identity in model.Keys.Union(stored.Keys))
        {
            var inAudit = model.GetValueOrDefault(identity);
            var inStore = stored.GetValueOrDefault(identity);
            if (inAudit != inStore)
                violations.Add($"store and audit disagree on {identity}: the trail says {inAudit ?? "(absent)"}, the store holds {inStore ?? "(absent)"}");
        }
    }

    static void CheckOutcomes(List<JsonNode> changes, Dictionary<string, string> items, IReadOnlyCollection<MutationOutcome> outcomes, List<string> violations)
    {
        int Count(string action, string target) => changes.Count(e => (string)e["action"]! == action && (string)e["target"]! == target);
        var deletes = outcomes.Where(o => o.Kind == MutationWorkload.OriginDelete).ToDictionary(o => o.Target);
        foreach (var o in outcomes)
        {
            switch (o.Kind)
            {
                case MutationWorkload.OriginAdd or MutationWorkload.OriginDelete:
                {
                    var audited = Count(o.Kind, o.Target);
                    var certain = o.Acknowledged && o.LastError != MutationWorkload.AbsentOnRetry;
                    if (certain ? audited != 1 : audited > 1)
                        violations.Add($"{o.Kind} {o.Target} ({(o.Acknowledged ? "acknowledged" : "failed")}) has {audited} audit entries");
                    var present = items.ContainsKey("o:" + o.Target);
                    if (o.Kind == MutationWorkload.OriginDelete && o.Acknowledged && present)
                        violations.Add($"acknowledged delete of {o.Target} is not in the store");
                    if (o.Kind == MutationWorkload.OriginAdd && o.Acknowledged && !present && !deletes.ContainsKey(o.Target))
                        violations.Add($"acknowledged add of {o.Target} is lost");
                    break;
                }
                case MutationWorkload.SettingsUpdate:
                {
                    var marker = $"\"{MutationWorkload.SettingsMarker(o.Key)}\"";
                    var audited = changes.Count(e => (string)e["action"]! == MutationWorkload.SettingsUpdate && ((string?)e["after"])?.Contains(marker, StringComparison.Ordinal) == true);
                    // PATCH carries no Idempotency-Key: a retry after a lost answer applies the same
                    // settings again if another client changed them in between, a second real change.
                    if (o.Acknowledged ? audited is 0 || audited > o.Attempts : audited > o.Attempts)
                        violations.Add($"settings update {o.Key} ({(o.Acknowledged ? "acknowledged" : "failed")}, {o.Attempts} attempts) has {audited} audit entries");
                    break;
                }
                case MutationWorkload.SecretCreate or MutationWorkload.SecretRotate when o.Acknowledged:
                {
                    var target = $"{o.Target}/{o.SecretId}";
                    var audited = Count(o.Kind, target);
                    if (audited != 1)
                        violations.Add($"acknowledged {o.Kind} {target} has {audited} audit entries");
                    if (!items.Values.Any(v => v.Contains($"\"id\":\"{o.SecretId}\"", StringComparison.Ordinal)))
                        violations.Add($"acknowledged {o.Kind} {target} is not in the store");
                    break;
                }
            }
        }
        // A secret no acknowledged request returned may come only from a request that failed (at most one each).
        foreach (var partner in outcomes.Where(o => o.Kind is MutationWorkload.SecretCreate or MutationWorkload.SecretRotate).GroupBy(o => o.Target))
        {
            var returned = partner.Where(o => o.Acknowledged).Select(o => $"{partner.Key}/{o.SecretId}").ToHashSet();
            var created = changes.Where(e => (string)e["action"]! is MutationWorkload.SecretCreate or MutationWorkload.SecretRotate && ((string)e["target"]!).StartsWith(partner.Key + "/", StringComparison.Ordinal))
                .Select(e => (string)e["target"]!).ToList();
            var unreturned = created.Count(t => !returned.Contains(t));
            var failed = partner.Count(o => !o.Acknowledged);
            if (unreturned > failed)
                violations.Add($"partner {partner.Key}: {unreturned} secrets that no acknowledged request returned, but only {failed} requests failed (duplicate secrets)");
        }
    }

    static void CheckExternal(List<JsonNode> changes, IReadOnlySet<string> externalKeys, List<string> violations)
    {
        // The edits are known by store key, the entries name origins by name: compare keys.
        var external = changes.Where(e => (string)e["action"]! == ExternalChange).Select(e => (Entry: e, Key: IdentityOf(e) ?? (string)e["target"]!)).ToList();
        foreach (var (entry, _) in external.Where(e => !externalKeys.Contains(e.Key)))
            violations.Add($"a change of the service's own was audited as an anonymous external change: {(string)entry["target"]!} → {(string?)entry["after"] ?? "(deleted)"}");
        foreach (var key in externalKeys)
        {
            var count = external.Count(e => e.Key == key);
            if (count != 1)
                violations.Add($"the external edit of {key} has {count} external-change entries");
        }
    }
}
