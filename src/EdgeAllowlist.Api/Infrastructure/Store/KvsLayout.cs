using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Api.Infrastructure.Store;

/// <summary>
/// Keys and values as <c>function/README.md</c> defines them: the one place that knows the layout,
/// so a change of the contract is a change here.
/// </summary>
public static class KvsLayout
{
    public const string ConfigKey = "cfg";
    public const string OriginPrefix = "o:";
    public const string SecretPrefix = "x:";

    /// <summary>The contract's defaults, written on the first start so the function has a policy to read.</summary>
    public const string DefaultConfig = """{"v":1,"mode":"enforce","noOrigin":"ua","public":[],"marker":"_p","ua":0,"wild":1,"deny":403,"fail":"closed","reason":false,"log":false}""";

    public static string OriginKey(string origin) => OriginPrefix + origin;

    /// <summary><c>{}</c> or <c>{"exp":N}</c>; notes are kept in the database, not here (README, api section).</summary>
    public static string OriginValue(DateTimeOffset? expires) =>
        expires is { } at ? $$"""{"exp":{{at.ToUnixTimeSeconds()}}}""" : "{}";

    public static string SecretKey(string sha256Hex) => SecretPrefix + sha256Hex;

    /// <summary><c>{"p":partner,"id":id,"scope":…,"exp":N}</c>, N = 0 for no expiry.</summary>
    public static string SecretValue(string partner, string secretId, string scope, DateTimeOffset? expires) =>
        JsonSerializer.Serialize(new { p = partner, id = secretId, scope, exp = expires?.ToUnixTimeSeconds() ?? 0 });

    /// <summary>The <c>exp</c> member of an origin or secret value; null when absent, 0 or unreadable.</summary>
    public static DateTimeOffset? ReadExpiry(string value)
    {
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
