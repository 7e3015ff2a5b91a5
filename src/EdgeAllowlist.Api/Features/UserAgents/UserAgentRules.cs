using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Rules.UserAgents;

namespace EdgeAllowlist.Api.Features.UserAgents;

/// <summary>
/// One User-Agent rule. <see cref="Glob"/> is what the shard holds and the function matches
/// (<see cref="UserAgentMatcher"/>); <see cref="Kind"/> and <see cref="Pattern"/> are its simplest
/// spelling. A rule read from a schema-1 store whose regex has no glob equivalent has kind
/// <c>regex</c>, no glob, and <see cref="Nearest"/>: the wildcard form to replace it with.
/// </summary>
sealed record UserAgentRule(string Id, string List, string Kind, string Pattern, string? Glob, int Shard,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Nearest = null)
{
    public const string Allow = "allow";
    public const string Deny = "deny";

    public static UserAgentRule FromGlob(string list, string glob, int shard)
    {
        var (kind, pattern) = UserAgentMatcher.Describe(glob);
        return new(UserAgentMatcher.IdOf(list, glob), list, kind, pattern, glob, shard);
    }

    /// <summary>A schema-1 regex: the glob it equals, or kept as a regex the function cannot evaluate.</summary>
    public static UserAgentRule FromRegex(string list, string regex, int shard) =>
        LegacyRegex.ToGlob(regex) switch
        {
            ({ } glob, _) => FromGlob(list, glob, shard),
            (_, var nearest) => new(UserAgentMatcher.IdOf(list, regex), list, UserAgentMatcher.Regex, regex, null, shard, nearest),
        };

    /// <summary>The 400 for a regex without a glob: names pattern and suggests the nearest wildcard form.</summary>
    public static MutationRejectedException Unconvertible(string regex, string? nearest, string? id = null) =>
        new(400, "pattern", $"The regex '{regex}' has no exact User-Agent matcher equivalent, and the edge no longer runs regexes (they backtrack). "
            + (nearest is null ? "Write it as contains, prefix, exact or wildcard rules" : $"The nearest wildcard form is '{nearest}' (kind wildcard; it matches more, never less)")
            + (id is null ? "." : $"; delete the stored rule (id {id}) or replace it first. Nothing was written."));
}

/// <summary>
/// The rules live only in the KVS, in <c>ua:0</c> … <c>ua:&lt;n−1&gt;</c> (function/README.md §1): each
/// shard a JSON object with an <c>allow</c> and a <c>deny</c> array of globs, at most 1 KB, and
/// <c>cfg.ua</c> = n, <c>cfg.v</c> = 2. Every change re-reads the shards from the state the writer
/// hands the plan and re-packs them, so concurrent changes never lose one another's rules, and writes
/// every shard plus <c>cfg</c> in one UpdateKeys call (at most 9 keys), so the function never sees a
/// shard count or schema that does not match the shards. A store of schema 1 (regex sources) is read
/// as the globs its regexes equal and rewritten as schema 2 by the first change.
/// </summary>
static class UserAgentRules
{
    /// <summary>The schema of cfg whose shards hold globs; 1 held regex sources.</summary>
    public const int Schema = 2;

    /// <summary>The rules' meaning, in the words function/README.md, contract.json, docs/user-agents.md and the console share.</summary>
    public const string Semantics =
        "Deny rules apply to every request. Allow rules admit requests that have neither Origin nor Referer (noOrigin \"ua\"), that is, native players. A browser request whose Origin is allowed is never denied for matching no allow rule.";

    static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<UserAgentRule> Read(IReadOnlyDictionary<string, string> state)
    {
        var rules = new List<UserAgentRule>();
        for (var n = 0; n < ShardCount(state); n++)
        {
            var shard = TryParseObject(state[KvsLayout.UserAgentShardKey(n)]) ?? [];
            foreach (var list in (string[])[UserAgentRule.Allow, UserAgentRule.Deny])
            {
                switch (shard[list])
                {
                    case JsonArray globs:
                        rules.AddRange(globs.OfType<JsonValue>().Where(g => g.TryGetValue<string>(out _)).Select(g => UserAgentRule.FromGlob(list, g.GetValue<string>(), n)));
                        break;
                    case JsonValue legacy when legacy.TryGetValue<string>(out var source):
                        rules.AddRange(LegacyRegex.Regexes(source).Select(r => UserAgentRule.FromRegex(list, r, n)));
                        break;
                }
            }
        }
        return rules;
    }

    /// <summary>The shards the function will read: <c>ua:0</c>, <c>ua:1</c>, … as long as they follow one another.</summary>
    public static int ShardCount(IReadOnlyDictionary<string, string> state) =>
        Enumerable.Range(0, KvsLayout.MaxUserAgentShards).TakeWhile(n => state.ContainsKey(KvsLayout.UserAgentShardKey(n))).Count();

    /// <summary>The writes that replace the shards with <paramref name="change"/> applied to the rules now in <paramref name="state"/>.</summary>
    public static IReadOnlyList<KeyWrite> Plan(IReadOnlyDictionary<string, string> state, Func<IReadOnlyList<UserAgentRule>, IReadOnlyList<UserAgentRule>> change, string action)
    {
        var before = Read(state);
        var after = change(before);
        if (after.FirstOrDefault(r => r.Glob is null) is { } stuck)
            throw UserAgentRule.Unconvertible(stuck.Pattern, stuck.Nearest, stuck.Id);
        foreach (var list in (string[])[UserAgentRule.Allow, UserAgentRule.Deny])
            if (after.Count(r => r.List == list) > UserAgentMatcher.MaxRulesPerList)
                throw new MutationRejectedException(400, "pattern",
                    $"The {list} list would hold {after.Count(r => r.List == list)} rules; at most {UserAgentMatcher.MaxRulesPerList}, so every request is judged within the function's cost bound. Delete or merge rules first; nothing was written.");
        var shards = Pack(after);
        var oldCount = ShardCount(state);
        var writes = new List<KeyWrite>();
        // One entry per key written (rollback restores keys), each named by the rule it changed (by
        // ua/rules when several changed), the key at the start of its detail.
        var (target, named) = Changed(before, after);
        string Detail(string key) => KvsLayout.KeyedDetail(key, named);
        for (var n = 0; n < Math.Max(oldCount, shards.Count); n++)
        {
            var key = KvsLayout.UserAgentShardKey(n);
            writes.Add(new(key, n < shards.Count ? shards[n] : null, action, target, Detail(key)));
        }
        // Without cfg the function denies everything; whoever writes it later sets ua from the shards present.
        if (state.TryGetValue(KvsLayout.ConfigKey, out var cfg) && TryParseObject(cfg) is { } policy
            && !(Is(policy[KvsLayout.UserAgentShardCountMember], shards.Count) && Is(policy[KvsLayout.SchemaMember], Schema)))
        {
            policy[KvsLayout.SchemaMember] = Schema;
            policy[KvsLayout.UserAgentShardCountMember] = shards.Count;
            writes.Add(new(KvsLayout.ConfigKey, policy.ToJsonString(Compact), action, target, Detail(KvsLayout.ConfigKey)));
        }
        return writes;
    }

    const int MaxDetail = 1000;

    /// <summary>
    /// The audit target (the one rule added or removed; <see cref="KvsLayout.UserAgentRulesTarget"/> for several
    /// or none) and the rules added and removed, by list, kind (contains, prefix, exact, wildcard; regex only
    /// for a schema-1 rule without a glob equivalent) and pattern (what an auditor asks about), not by shard.
    /// </summary>
    static (string Target, string Named) Changed(IReadOnlyList<UserAgentRule> before, IReadOnlyList<UserAgentRule> after)
    {
        var had = before.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var has = after.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var added = after.Where(r => !had.Contains(r.Id)).ToList();
        var removed = before.Where(r => !has.Contains(r.Id)).ToList();
        static string Name(UserAgentRule r) => $"{r.List} {r.Kind} \"{r.Pattern}\"";
        var named = string.Join("; ", [.. added.Select(r => "added " + Name(r)), .. removed.Select(r => "removed " + Name(r))]);
        var target = added.Concat(removed).ToList() is [var only] ? KvsLayout.UserAgentRuleTarget(only.List, only.Kind, only.Pattern) : KvsLayout.UserAgentRulesTarget;
        return (target, named.Length == 0 ? "rules re-packed, none changed" : named.Length > MaxDetail ? named[..MaxDetail] + "…" : named);
    }

    static bool Is(JsonNode? node, int value) => node is JsonValue v && v.TryGetValue<int>(out var current) && current == value;

    /// <summary>First fit over at most 8 shards of at most 1 KB each. Refuses up front when the rules do not fit.</summary>
    public static IReadOnlyList<string> Pack(IReadOnlyList<UserAgentRule> rules)
    {
        var shards = new List<(List<string> Allow, List<string> Deny)>();
        foreach (var rule in rules)
        {
            var placed = false;
            foreach (var shard in shards)
            {
                var list = rule.List == UserAgentRule.Allow ? shard.Allow : shard.Deny;
                list.Add(rule.Glob!);
                if (KvsLimits.ByteCount(Value(shard.Allow, shard.Deny)) <= KvsLimits.MaxValueBytes)
                {
                    placed = true;
                    break;
                }
                list.RemoveAt(list.Count - 1);
            }
            if (placed)
                continue;
            (List<string> Allow, List<string> Deny) fresh = ([], []);
            (rule.List == UserAgentRule.Allow ? fresh.Allow : fresh.Deny).Add(rule.Glob!);
            shards.Add(fresh);
        }
        if (shards.Count > KvsLayout.MaxUserAgentShards)
            throw new MutationRejectedException(400, "pattern",
                $"The User-Agent rules would need {shards.Count} shards of {KvsLimits.MaxValueBytes} bytes; the function reads at most {KvsLayout.MaxUserAgentShards}. Delete or shorten patterns first; nothing was written.");
        return [.. shards.Select(s => Value(s.Allow, s.Deny))];
    }

    static string Value(List<string> allow, List<string> deny)
    {
        var value = new JsonObject();
        if (allow.Count > 0)
            value[UserAgentRule.Allow] = new JsonArray([.. allow.Select(g => (JsonNode)g)]);
        if (deny.Count > 0)
            value[UserAgentRule.Deny] = new JsonArray([.. deny.Select(g => (JsonNode)g)]);
        return value.ToJsonString(Compact);
    }

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
