using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.UserAgents;

/// <summary>
/// One admin pattern as the function will run it. <see cref="Regex"/> is the source stored in the
/// shard: a substring escaped, a regex as <see cref="PatternGuard.Compile"/> made it (the id is of
/// this source, so two spellings that compile alike are one rule). A regex made only of literal
/// characters reads back as the substring it is equivalent to.
/// </summary>
sealed record UserAgentRule(string Id, string List, string Kind, string Pattern, string Regex, int Shard)
{
    public const string Allow = "allow";
    public const string Deny = "deny";
    public const string Substring = "substring";
    public const string RegexKind = "regex";

    public static UserAgentRule From(string list, string regex, int shard) =>
        PatternGuard.AsSubstring(regex) is { } literal
            ? new(IdOf(list, regex), list, Substring, literal, regex, shard)
            : new(IdOf(list, regex), list, RegexKind, PatternGuard.Decompile(regex), regex, shard);

    /// <summary>Stable for a list and pattern, so a rule can be deleted by the id a listing showed.</summary>
    public static string IdOf(string list, string regex) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{list}\n{regex}")))[..12];
}

/// <summary>
/// The rules live only in the KVS, in <c>ua:0</c> … <c>ua:&lt;n−1&gt;</c> (function/README.md §1): each
/// shard a JSON object with an <c>allow</c> and a <c>deny</c> alternation of <c>(?:pattern)</c>
/// groups, at most 1 KB, and <c>cfg.ua</c> = n. Every change re-reads the shards from the state the
/// writer hands the plan and re-packs them, so concurrent changes never lose one another's patterns,
/// and writes every shard plus <c>cfg</c> in one UpdateKeys call (at most 9 keys), so the function
/// never sees a shard count that does not match the shards.
/// </summary>
static class UserAgentRules
{
    static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<UserAgentRule> Read(IReadOnlyDictionary<string, string> state)
    {
        var rules = new List<UserAgentRule>();
        for (var n = 0; n < ShardCount(state); n++)
        {
            var value = state[KvsLayout.UserAgentShardKey(n)];
            var shard = Parse(value);
            foreach (var list in (string[])[UserAgentRule.Allow, UserAgentRule.Deny])
                rules.AddRange(SplitAlternatives(shard.GetValueOrDefault(list) ?? "").Select(p => UserAgentRule.From(list, p, n)));
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
        var shards = Pack(change(before));
        var oldCount = ShardCount(state);
        var writes = new List<KeyWrite>();
        for (var n = 0; n < Math.Max(oldCount, shards.Count); n++)
        {
            var key = KvsLayout.UserAgentShardKey(n);
            writes.Add(new(key, n < shards.Count ? shards[n] : null, action, key));
        }
        // Without cfg the function denies everything; whoever writes it later sets ua from the shards present.
        if (state.TryGetValue(KvsLayout.ConfigKey, out var cfg) && TryParseObject(cfg) is { } policy
            && !(policy[KvsLayout.UserAgentShardCountMember] is JsonValue count && count.TryGetValue<int>(out var current) && current == shards.Count))
        {
            policy[KvsLayout.UserAgentShardCountMember] = shards.Count;
            writes.Add(new(KvsLayout.ConfigKey, policy.ToJsonString(Compact), action, KvsLayout.ConfigKey));
        }
        return writes;
    }

    /// <summary>
    /// First fit over at most 8 shards of at most 1 KB each, and with bounded repeats adding up to at
    /// most <see cref="PatternGuard.MaxRepeat"/> per shard: V8 slows down sharply once one regex holds
    /// several counted loops (docs/api.md, "User-Agent regex subset"). Refuses up front when the rules do not fit.
    /// </summary>
    public static IReadOnlyList<string> Pack(IReadOnlyList<UserAgentRule> rules)
    {
        var shards = new List<(List<string> Allow, List<string> Deny)>();
        foreach (var rule in rules)
        {
            var placed = false;
            foreach (var shard in shards)
            {
                var list = rule.List == UserAgentRule.Allow ? shard.Allow : shard.Deny;
                list.Add(rule.Regex);
                if (KvsLimits.ByteCount(Value(shard.Allow, shard.Deny)) <= KvsLimits.MaxValueBytes
                    && shard.Allow.Concat(shard.Deny).Sum(PatternGuard.RepeatWeight) <= PatternGuard.MaxRepeat)
                {
                    placed = true;
                    break;
                }
                list.RemoveAt(list.Count - 1);
            }
            if (placed)
                continue;
            (List<string> Allow, List<string> Deny) fresh = ([], []);
            (rule.List == UserAgentRule.Allow ? fresh.Allow : fresh.Deny).Add(rule.Regex);
            if (KvsLimits.ByteCount(Value(fresh.Allow, fresh.Deny)) > KvsLimits.MaxValueBytes)
                throw new MutationRejectedException(400, "pattern", $"The pattern does not fit one {KvsLimits.MaxValueBytes}-byte shard; shorten it.");
            shards.Add(fresh);
        }
        if (shards.Count > KvsLayout.MaxUserAgentShards)
            throw new MutationRejectedException(400, "pattern",
                $"The User-Agent rules would need {shards.Count} shards of {KvsLimits.MaxValueBytes} bytes; the function reads at most {KvsLayout.MaxUserAgentShards}. Delete or shorten patterns first; nothing was written.");
        return [.. shards.Select(s => Value(s.Allow, s.Deny))];
    }

    /// <summary>A shard holding just this one pattern, for the up-front size check.</summary>
    public static string SingleShard(string list, string regex) =>
        list == UserAgentRule.Allow ? Value([regex], []) : Value([], [regex]);

    static string Value(List<string> allow, List<string> deny)
    {
        var value = new JsonObject();
        if (allow.Count > 0)
            value[UserAgentRule.Allow] = Join(allow);
        if (deny.Count > 0)
            value[UserAgentRule.Deny] = Join(deny);
        return value.ToJsonString(Compact);
    }

    static string Join(List<string> patterns) => string.Join('|', patterns.Select(p => $"(?:{p})"));

    static Dictionary<string, string> Parse(string value) =>
        TryParseObject(value) is { } shard
            ? shard.Where(m => m.Value is JsonValue v && v.TryGetValue<string>(out _)).ToDictionary(m => m.Key, m => m.Value!.GetValue<string>())
            : [];

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

    /// <summary>
    /// The patterns of one shard member: its top-level alternatives, each with the <c>(?:…)</c> the
    /// packer added taken off, read by the one regex reader; a shard written by hand reads back as its parts.
    /// </summary>
    public static IEnumerable<string> SplitAlternatives(string source)
    {
        if (source.Length == 0)
            return [];
        Alternation tree;
        try
        {
            tree = RegexSyntax.Parse(source);
        }
        catch (RegexSyntaxException)
        {
            // Not a regex the function can compile either; shown whole so it can be deleted.
            return [source];
        }
        return tree.Alternatives.Select(a => a.Terms is [{ Atom: Group { Kind: GroupKind.NonCapturing } group, Quantifier: null }]
            ? source[(group.Start + 3)..(group.End - 1)]
            : a.Text(source));
    }
}
