using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Rules.UserAgents;

/// <summary>A rule as a shard holds it: a glob, or in a schema-1 store a regex source.</summary>
public sealed record StoredUserAgentRule(string List, string Source, bool IsRegex, int Shard);

/// <summary>
/// The rules live only in the KVS, in <c>ua:0</c> … <c>ua:&lt;n−1&gt;</c> (function/README.md §1): each
/// shard a JSON object with an <c>allow</c> and a <c>deny</c> array of globs, at most 1 KB, and
/// <c>cfg.ua</c> = n, <c>cfg.v</c> = 2. A change re-packs every shard and writes them with <c>cfg</c> in
/// one UpdateKeys call (at most 9 keys), so the function never sees a shard count or schema that does
/// not match the shards. A store of schema 1 held regex sources.
/// </summary>
public static class UserAgentShards
{
    /// <summary>The schema of cfg whose shards hold globs; 1 held regex sources.</summary>
    public const int Schema = 2;

    static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The rules the shards of <paramref name="state"/> hold, in shard and list order.</summary>
    public static IReadOnlyList<StoredUserAgentRule> Read(IReadOnlyDictionary<string, string> state)
    {
        var rules = new List<StoredUserAgentRule>();
        for (var n = 0; n < ShardCount(state); n++)
        {
            var shard = TryParseObject(state[KvsLayout.UserAgentShardKey(n)]) ?? [];
            foreach (var list in (string[])[UserAgentRuleRules.Allow, UserAgentRuleRules.Deny])
            {
                switch (shard[list])
                {
                    case JsonArray globs:
                        rules.AddRange(globs.OfType<JsonValue>().Where(g => g.TryGetValue<string>(out _)).Select(g => new StoredUserAgentRule(list, g.GetValue<string>(), false, n)));
                        break;
                    case JsonValue legacy when legacy.TryGetValue<string>(out var source):
                        rules.AddRange(LegacyRegex.Regexes(source).Select(r => new StoredUserAgentRule(list, r, true, n)));
                        break;
                }
            }
        }
        return rules;
    }

    /// <summary>The shards the function will read: <c>ua:0</c>, <c>ua:1</c>, … as long as they follow one another.</summary>
    public static int ShardCount(IReadOnlyDictionary<string, string> state) =>
        Enumerable.Range(0, KvsLayout.MaxUserAgentShards).TakeWhile(n => state.ContainsKey(KvsLayout.UserAgentShardKey(n))).Count();

    /// <summary>
    /// The keys that replace the shards of <paramref name="state"/> with <paramref name="rules"/> (list, glob):
    /// every shard (null: delete one no longer needed), and <c>cfg</c> when its shard count or schema changes.
    /// Without cfg the function denies everything; whoever writes it later sets <c>ua</c> from the shards present.
    /// </summary>
    /// <exception cref="RuleViolationException">A list holds too many rules, or they do not fit the shards (field <c>pattern</c>).</exception>
    public static IReadOnlyList<(string Key, string? Value)> Write(IReadOnlyDictionary<string, string> state, IReadOnlyList<(string List, string Glob)> rules)
    {
        foreach (var list in (string[])[UserAgentRuleRules.Allow, UserAgentRuleRules.Deny])
            if (rules.Count(r => r.List == list) > UserAgentMatcher.MaxRulesPerList)
                throw new RuleViolationException("pattern",
                    $"The {list} list would hold {rules.Count(r => r.List == list)} rules; at most {UserAgentMatcher.MaxRulesPerList}, so every request is judged within the function's cost bound. Delete or merge rules first; nothing was written.");
        var shards = Pack(rules);
        var oldCount = ShardCount(state);
        var writes = new List<(string, string?)>();
        for (var n = 0; n < Math.Max(oldCount, shards.Count); n++)
            writes.Add((KvsLayout.UserAgentShardKey(n), n < shards.Count ? shards[n] : null));
        if (state.TryGetValue(KvsLayout.ConfigKey, out var cfg) && TryParseObject(cfg) is { } policy
            && !(Is(policy[KvsLayout.UserAgentShardCountMember], shards.Count) && Is(policy[KvsLayout.SchemaMember], Schema)))
        {
            policy[KvsLayout.SchemaMember] = Schema;
            policy[KvsLayout.UserAgentShardCountMember] = shards.Count;
            writes.Add((KvsLayout.ConfigKey, policy.ToJsonString(Compact)));
        }
        return writes;
    }

    /// <summary>First fit over at most 8 shards of at most 1 KB each. Refuses up front when the rules do not fit.</summary>
    /// <exception cref="RuleViolationException">The rules need more shards than the function reads (field <c>pattern</c>).</exception>
    public static IReadOnlyList<string> Pack(IReadOnlyList<(string List, string Glob)> rules)
    {
        var shards = new List<(List<string> Allow, List<string> Deny)>();
        foreach (var rule in rules)
        {
            var placed = false;
            foreach (var shard in shards)
            {
                var list = rule.List == UserAgentRuleRules.Allow ? shard.Allow : shard.Deny;
                list.Add(rule.Glob);
                if (KvsLayout.ByteCount(Value(shard.Allow, shard.Deny)) <= KvsLayout.MaxValueBytes)
                {
                    placed = true;
                    break;
                }
                list.RemoveAt(list.Count - 1);
            }
            if (placed)
                continue;
            (List<string> Allow, List<string> Deny) fresh = ([], []);
            (rule.List == UserAgentRuleRules.Allow ? fresh.Allow : fresh.Deny).Add(rule.Glob);
            shards.Add(fresh);
        }
        if (shards.Count > KvsLayout.MaxUserAgentShards)
            throw new RuleViolationException("pattern",
                $"The User-Agent rules would need {shards.Count} shards of {KvsLayout.MaxValueBytes} bytes; the function reads at most {KvsLayout.MaxUserAgentShards}. Delete or shorten patterns first; nothing was written.");
        return [.. shards.Select(s => Value(s.Allow, s.Deny))];
    }

    static string Value(List<string> allow, List<string> deny)
    {
        var value = new JsonObject();
        if (allow.Count > 0)
            value[UserAgentRuleRules.Allow] = new JsonArray([.. allow.Select(g => (JsonNode)g)]);
        if (deny.Count > 0)
            value[UserAgentRuleRules.Deny] = new JsonArray([.. deny.Select(g => (JsonNode)g)]);
        return value.ToJsonString(Compact);
    }

    static bool Is(JsonNode? node, int value) => node is JsonValue v && v.TryGetValue<int>(out var current) && current == value;

    static JsonObject? TryParseObject(string value)
    {
        try
        {
            return JsonNode.Parse(value) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
