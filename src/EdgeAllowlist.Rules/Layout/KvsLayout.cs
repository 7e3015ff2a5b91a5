using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Rules.Layout;

/// <summary>
/// Keys and values as <c>function/README.md</c> defines them: the one place that knows the layout,
/// so a change of the contract is a change here.
/// </summary>
public static class KvsLayout
{
    public const string ConfigKey = "cfg";
    public const string OriginPrefix = "o:";
    public const string SecretPrefix = "x:";
    public const string UserAgentPrefix = "ua:";

    /// <summary>
    /// CloudFront's limit on one value, in UTF-8 bytes. The store port has it too (KvsLimits.MaxValueBytes,
    /// which knows nothing of this project); a test holds the two equal.
    /// </summary>
    public const int MaxValueBytes = 1024;

    public static int ByteCount(string value) => System.Text.Encoding.UTF8.GetByteCount(value);

    /// <summary>The function reads at most this many <c>ua:&lt;n&gt;</c> shards (<c>cfg.ua</c> is 0–8).</summary>
    public const int MaxUserAgentShards = 8;

    /// <summary>The <c>cfg</c> member holding the number of <c>ua:&lt;n&gt;</c> shards; whoever rewrites <c>cfg</c> must keep it.</summary>
    public const string UserAgentShardCountMember = "ua";

    /// <summary>The <c>cfg</c> member holding the schema: 2 (User-Agent shards of globs) is what this service writes; 1 held regex sources.</summary>
    public const string SchemaMember = "v";

    /// <summary>The <c>cfg</c> member naming the first path segment of a partner URL.</summary>
    public const string MarkerMember = "marker";

    public const string DefaultMarker = "_p";

    /// <summary>The contract's defaults, written on the first start so the function has a policy to read.</summary>
    public const string DefaultConfig = """{"v":2,"mode":"enforce","noOrigin":"ua","public":[],"marker":"_p","ua":0,"wild":1,"deny":403,"fail":"closed","reason":false,"log":false}""";

    public static string OriginKey(string origin) => OriginPrefix + origin;

    /// <summary>
    /// A key this service writes (the policy, origins, secrets, User-Agent shards). Any other key was
    /// put there by something else, such as Terraform's aws_cloudfrontkeyvaluestore_keys_exclusive,
    /// which would delete this service's keys on its next run.
    /// </summary>
    public static bool IsManaged(string key) =>
        key == ConfigKey
        || key.StartsWith(OriginPrefix, StringComparison.Ordinal)
        || key.StartsWith(SecretPrefix, StringComparison.Ordinal)
        || key.StartsWith(UserAgentPrefix, StringComparison.Ordinal);

    /// <summary>
    /// The one form an audit entry names what it changed: an origin by its name (<c>https://x</c>),
    /// whichever route, apply, rollback or external change wrote its key; other keys as they are. So
    /// <c>?target=https://x</c> finds an origin's whole history.
    /// </summary>
    public static string AuditTarget(string keyOrTarget) =>
        keyOrTarget.StartsWith(OriginPrefix, StringComparison.Ordinal) ? keyOrTarget[OriginPrefix.Length..] : keyOrTarget;

    /// <summary>The store key behind an audit target, for the targets that name one (origins, <c>cfg</c>, User-Agent shards); null for the rest.</summary>
    public static string? KeyOfAuditTarget(string target) =>
        target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith("http://", StringComparison.Ordinal) ? OriginKey(target)
        : target == ConfigKey || target.StartsWith(UserAgentPrefix, StringComparison.Ordinal) || target.StartsWith(OriginPrefix, StringComparison.Ordinal) ? target
        : null;

    /// <summary>What the audit targets of User-Agent rule changes start with (<c>?targetPrefix=ua/</c> finds them all).</summary>
    public const string UserAgentRuleTargetPrefix = "ua/";

    /// <summary>The target of a change of several User-Agent rules at once (desired-state apply, rollback) or of none (a re-pack).</summary>
    public const string UserAgentRulesTarget = UserAgentRuleTargetPrefix + "rules";

    /// <summary>
    /// A User-Agent rule change is audited by the rule, <c>ua/&lt;list&gt;/&lt;kind&gt;/&lt;pattern&gt;</c>, as people
    /// name it, not by the shard keys (<c>ua:0</c>, <c>cfg</c>) the rules happen to be packed into; one entry per key
    /// written still, the key first in its detail (<see cref="KeyedDetail"/>).
    /// </summary>
    public static string UserAgentRuleTarget(string list, string kind, string pattern) => $"{UserAgentRuleTargetPrefix}{list}/{kind}/{pattern}";

    /// <summary>The detail of an entry whose target names a rule, not its key: <c>ua:0: added allow contains "X"</c>.</summary>
    public static string KeyedDetail(string key, string text) => $"{key}: {text}";

    /// <summary>The store key an audit entry changed: from its target, or for a User-Agent rule target from the start of its detail.</summary>
    public static string? KeyOfAuditEntry(string target, string? detail)
    {
        if (!target.StartsWith(UserAgentRuleTargetPrefix, StringComparison.Ordinal))
            return KeyOfAuditTarget(target);
        var end = detail?.IndexOf(": ", StringComparison.Ordinal) ?? -1;
        return end > 0 && detail![..end] is var key && (key == ConfigKey || key.StartsWith(UserAgentPrefix, StringComparison.Ordinal)) ? key : null;
    }

    public static string UserAgentShardKey(int shard) => UserAgentPrefix + shard;

    /// <summary><c>x:</c> + the lowercase hex SHA-256 of the secret string (UTF-8), the only form in which a secret reaches the store.</summary>
    public static string SecretKey(string sha256Hex) => SecretPrefix + sha256Hex;

    /// <summary><c>{"p":…,"id":…,"scope":…,"exp":N}</c>, N = 0 for no expiry.</summary>
    public static string SecretValue(string partner, string id, string scope, DateTimeOffset? expires) =>
        new JsonObject { ["p"] = partner, ["id"] = id, ["scope"] = scope, ["exp"] = expires?.ToUnixTimeSeconds() ?? 0 }.ToJsonString();

    /// <summary>The marker the function uses (<c>cfg.marker</c>, default <c>_p</c>), read from the store's current <c>cfg</c>.</summary>
    public static string Marker(IReadOnlyDictionary<string, string> state)
    {
        try
        {
            return state.TryGetValue(ConfigKey, out var cfg) && JsonNode.Parse(cfg)?[MarkerMember]?.GetValue<string>() is { Length: > 0 } marker
                ? marker
                : DefaultMarker;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return DefaultMarker;
        }
    }

    /// <summary><c>{}</c> or <c>{"exp":N}</c>; notes are kept in the database, not here (docs/api.md, "Endpoints and scopes").</summary>
    public static string OriginValue(DateTimeOffset? expires) =>
        expires is { } at ? $$"""{"exp":{{at.ToUnixTimeSeconds()}}}""" : "{}";

    /// <summary>The <c>exp</c> member of an origin or secret value; null when absent, 0 or unreadable.</summary>
    public static DateTimeOffset? ReadExpiry(string value)
    {
        // What OriginValue writes for an origin without expiry, on every page of a listing.
        if (value == "{}")
            return null;
        try
        {
            return JsonNode.Parse(value)?["exp"]?.GetValue<long>() is { } seconds and > 0 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when writing <paramref name="after"/> (null: delete) over <paramref name="before"/> (null:
    /// absent) can only let fewer requests through. A change that spans several UpdateKeys calls sends
    /// every restricting key first, so each intermediate store allows no more than the old store did,
    /// and then the relaxing keys, so each later one allows no more than the new store will.
    /// </summary>
    public static bool IsRestricting(string key, string? before, string? after)
    {
        if (key.StartsWith(OriginPrefix, StringComparison.Ordinal) || key.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            if (after is null)
                return true;
            if (before is null)
                return false;
            var oldExpiry = ReadExpiry(before) ?? DateTimeOffset.MaxValue;
            var newExpiry = ReadExpiry(after) ?? DateTimeOffset.MaxValue;
            return newExpiry <= oldExpiry;
        }
        // Without cfg the function denies everything, so removing it restricts; any other change of
        // the policy is a single key and needs no ordering.
        return key == ConfigKey && after is null;
    }
}
