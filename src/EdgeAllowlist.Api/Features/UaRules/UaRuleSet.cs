using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.UaRules;

sealed record UaRule(string Id, string List, string Kind, string Pattern, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>
/// The admin's User-Agent patterns (database) and their compiled form in the store: shards
/// <c>ua:0</c>…<c>ua:n-1</c>, each <c>{"allow":"…","deny":"…"}</c> within 1 KB, and <c>cfg.ua</c> = n
/// (function/README.md §1). Every change rewrites the shards and <c>cfg</c> in one UpdateKeys call
/// (at most 9 keys), so the function never sees half a rule set. Changes are serialised here so
/// each one is compiled from the complete list.
/// </summary>
sealed class UaRuleSet(IDatabase database, StoreWriter writer, TimeProvider time)
{
    public const int MaxShards = 8;
    public static readonly string[] Lists = ["allow", "deny"];
    public static readonly string[] Kinds = ["substring", "regex"];
    readonly SemaphoreSlim changes = new(1, 1);

    public async Task<IReadOnlyList<UaRule>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QueryAsync("SELECT id, list, kind, pattern, created_at, created_by FROM ua_rules ORDER BY created_at, id",
            r => new UaRule(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.GetString(5)),
            cancellationToken: ct);
    }

    /// <summary>Applies a change to the list: refused (nothing written) if the result does not fit the shards.</summary>
    public async Task<WriteOutcome> ChangeAsync(UaRule? add, string? removeId, Actor actor, CancellationToken ct)
    {
        await changes.WaitAsync(ct);
        try
        {
            var current = await ListAsync(ct);
            var next = current.Where(r => r.Id != removeId).Concat(add is null ? [] : [add]).ToList();
            var shards = Pack(next);
            var target = add is not null ? $"{add.List}:{add.Id}" : $"remove:{removeId}";
            var outcome = await writer.SubmitAsync(actor, state => Plan(state, shards, target), ct);
            await using var connection = await database.OpenAsync(ct);
            if (add is not null)
                await connection.ExecuteAsync("INSERT INTO ua_rules (id, list, kind, pattern, created_at, created_by) VALUES (@id, @l, @k, @p, @t, @b)", null, ct,
                    ("id", add.Id), ("l", add.List), ("k", add.Kind), ("p", add.Pattern), ("t", add.CreatedAt.ToUnixTimeMilliseconds()), ("b", add.CreatedBy));
            if (removeId is not null)
                await connection.ExecuteAsync("DELETE FROM ua_rules WHERE id = @id", null, ct, ("id", removeId));
            return outcome;
        }
        finally
        {
            changes.Release();
        }
    }

    public UaRule NewRule(string list, string kind, string pattern, string actor) =>
        new("ua_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(9)), list, kind, pattern, time.GetUtcNow(), actor);

    static IReadOnlyList<KeyWrite> Plan(IReadOnlyDictionary<string, string> state, IReadOnlyList<string> shards, string target)
    {
        var cfg = JsonNode.Parse(state.GetValueOrDefault(KvsLayout.ConfigKey) ?? KvsLayout.DefaultConfig)!.AsObject();
        var previous = (int?)cfg["ua"] ?? 0;
        cfg["ua"] = shards.Count;
        var writes = shards.Select((value, n) => new KeyWrite($"ua:{n}", value, "ua.update", target)).ToList();
        writes.AddRange(Enumerable.Range(shards.Count, Math.Max(0, previous - shards.Count)).Select(n => new KeyWrite($"ua:{n}", null, "ua.update", target)));
        writes.Add(new KeyWrite(KvsLayout.ConfigKey, cfg.ToJsonString(), "ua.update", target));
        return writes;
    }

    /// <summary>Greedy packing of allow and deny alternatives into as few 1 KB shards as needed.</summary>
    public static IReadOnlyList<string> Pack(IReadOnlyList<UaRule> rules)
    {
        var shards = new List<(List<string> Allow, List<string> Deny)>();
        foreach (var rule in rules)
        {
            var alternative = $"(?:{(rule.Kind == "regex" ? rule.Pattern : Escape(rule.Pattern))})";
            var placed = false;
            foreach (var shard in shards)
            {
                var list = rule.List == "allow" ? shard.Allow : shard.Deny;
                list.Add(alternative);
                if (KvsLimits.ByteCount(Value(shard.Allow, shard.Deny)) <= KvsLimits.MaxValueBytes)
                {
                    placed = true;
                    break;
                }
                list.RemoveAt(list.Count - 1);
            }
            if (!placed)
                shards.Add(rule.List == "allow" ? ([alternative], []) : ([], [alternative]));
        }
        if (shards.Count > MaxShards)
            throw new MutationRejectedException(422, "pattern", $"The User-Agent rules would need {shards.Count} shards of 1 KB; the function reads at most {MaxShards}.");
        return [.. shards.Select(s => Value(s.Allow, s.Deny))];
    }

    static string Value(List<string> allow, List<string> deny) =>
        JsonSerializer.Serialize(new { allow = string.Join('|', allow), deny = string.Join('|', deny) });

    /// <summary>A substring as a JavaScript regex source that matches it literally.</summary>
    static string Escape(string text) => string.Concat(text.Select(c => @"\^$.|?*+()[]{}/".Contains(c) ? $"\\{c}" : c.ToString()));
}
