using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules;
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
    public const string Allow = UserAgentRuleRules.Allow;
    public const string Deny = UserAgentRuleRules.Deny;

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
/// The rules as the API shows and audits them, over the shards EdgeAllowlist.Rules.UserAgents.UserAgentShards
/// reads and writes (function/README.md §1). Every change re-reads the shards from the state the writer
/// hands the plan and re-packs them, so concurrent changes never lose one another's rules. A store of
/// schema 1 (regex sources) is read as the globs its regexes equal and rewritten as schema 2 by the first change.
/// </summary>
static class UserAgentRules
{
    /// <summary>The rules' meaning, in the words function/README.md, contract.json, docs/user-agents.md and the console share.</summary>
    public const string Semantics =
        "Deny rules apply to every request. Allow rules admit requests that have neither Origin nor Referer (noOrigin \"ua\"), that is, native players. A browser request whose Origin is allowed is never denied for matching no allow rule.";

    public static IReadOnlyList<UserAgentRule> Read(IReadOnlyDictionary<string, string> state) =>
        [.. UserAgentShards.Read(state).Select(r => r.IsRegex ? UserAgentRule.FromRegex(r.List, r.Source, r.Shard) : UserAgentRule.FromGlob(r.List, r.Source, r.Shard))];

    /// <summary>The shards the function will read: <c>ua:0</c>, <c>ua:1</c>, … as long as they follow one another.</summary>
    public static int ShardCount(IReadOnlyDictionary<string, string> state) => UserAgentShards.ShardCount(state);

    /// <summary>The writes that replace the shards with <paramref name="change"/> applied to the rules now in <paramref name="state"/>.</summary>
    public static IReadOnlyList<KeyWrite> Plan(IReadOnlyDictionary<string, string> state, Func<IReadOnlyList<UserAgentRule>, IReadOnlyList<UserAgentRule>> change, string action)
    {
        var before = Read(state);
        var after = change(before);
        if (after.FirstOrDefault(r => r.Glob is null) is { } stuck)
            throw UserAgentRule.Unconvertible(stuck.Pattern, stuck.Nearest, stuck.Id);
        IReadOnlyList<(string Key, string? Value)> keys;
        try
        {
            keys = UserAgentShards.Write(state, [.. after.Select(r => (r.List, r.Glob!))]);
        }
        catch (RuleViolationException e)
        {
            throw new MutationRejectedException(400, e.Field, e.Message);
        }
        // One entry per key written (rollback restores keys), each named by the rule it changed (by
        // ua/rules when several changed), the key at the start of its detail.
        var (target, named) = Changed(before, after);
        return [.. keys.Select(k => new KeyWrite(k.Key, k.Value, action, target, KvsLayout.KeyedDetail(k.Key, named)))];
    }

    /// <summary>First fit over at most 8 shards of at most 1 KB each. Refuses up front when the rules do not fit.</summary>
    public static IReadOnlyList<string> Pack(IReadOnlyList<UserAgentRule> rules)
    {
        try
        {
            return UserAgentShards.Pack([.. rules.Select(r => (r.List, r.Glob!))]);
        }
        catch (RuleViolationException e)
        {
            throw new MutationRejectedException(400, e.Field, e.Message);
        }
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
}
