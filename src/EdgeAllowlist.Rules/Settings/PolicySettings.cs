using System.Text.Json.Nodes;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Rules.UserAgents;

namespace EdgeAllowlist.Rules.Settings;

/// <summary>The settings an admin edits, as they sit in the <c>cfg</c> key (function/README.md §2).</summary>
public sealed record PolicySettings(
    string Mode,
    string NoOrigin,
    IReadOnlyList<string> PublicPaths,
    string SecretMarker,
    int WildcardDepth,
    int DenyStatus,
    string FailPolicy,
    bool RevealReason,
    bool LogDenials)
{
    public static readonly string[] Modes = ["enforce", "report", "off"];
    public static readonly string[] NoOriginPolicies = ["ua", "deny", "allow"];
    public static readonly int[] DenyStatuses = [401, 403, 404];
    public static readonly string[] FailPolicies = ["closed", "open"];

    /// <summary>Reads <c>cfg</c>; members that are absent take the contract's defaults.</summary>
    public static PolicySettings From(string? cfg)
    {
        var node = JsonNode.Parse(cfg ?? KvsLayout.DefaultConfig)!.AsObject();
        return new(
            (string?)node["mode"] ?? "enforce",
            (string?)node["noOrigin"] ?? "ua",
            node["public"]?.AsArray().Select(p => (string)p!).ToList() ?? [],
            (string?)node["marker"] ?? "_p",
            (int?)node["wild"] ?? 1,
            (int?)node["deny"] ?? 403,
            (string?)node["fail"] ?? "closed",
            (bool?)node["reason"] ?? false,
            (bool?)node["log"] ?? false);
    }

    /// <summary>
    /// Writes this policy over <paramref name="cfg"/>, keeping what it does not own (<c>ua</c>, unknown
    /// members, and <c>v</c>: the schema says how the User-Agent shards are written, and only their rewrite changes it).
    /// </summary>
    public string MergeInto(string? cfg)
    {
        var node = JsonNode.Parse(cfg ?? KvsLayout.DefaultConfig)!.AsObject();
        node[KvsLayout.SchemaMember] ??= UserAgentShards.Schema;
        node["mode"] = Mode;
        node["noOrigin"] = NoOrigin;
        node["public"] = new JsonArray([.. PublicPaths.Select(p => (JsonNode)p)]);
        node["marker"] = SecretMarker;
        node["wild"] = WildcardDepth;
        node["deny"] = DenyStatus;
        node["fail"] = FailPolicy;
        node["reason"] = RevealReason;
        node["log"] = LogDenials;
        return node.ToJsonString();
    }

    /// <summary>
    /// <see cref="MergeInto"/>, refused before anything is written when the value would pass the 1 KB
    /// limit; public paths are the only setting that can grow it that far, so <paramref name="publicPathsField"/> is named.
    /// </summary>
    /// <exception cref="RuleViolationException">The value would be over the store's quota.</exception>
    public string MergeIntoWithinQuota(string? cfg, string publicPathsField)
    {
        var value = MergeInto(cfg);
        var bytes = KvsLayout.ByteCount(value);
        if (bytes > KvsLayout.MaxValueBytes)
            throw new RuleViolationException(publicPathsField,
                $"The policy would be {bytes} bytes; the cfg value may be at most {KvsLayout.MaxValueBytes}. Use fewer or shorter public paths.");
        return value;
    }
}
