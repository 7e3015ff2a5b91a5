using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAllowlist.Api.Features.Secrets;
using EdgeAllowlist.Api.Features.Settings;
using EdgeAllowlist.Api.Features.Simulate;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// The expectations nobody has to write, derived from the rules in a store (the store as it is
/// before a change: what players and partners rely on now):
/// <list type="bullet">
/// <item>each partner with a live secret still fetches a template manifest through its
///   <c>VideoContentSourceUrl</c> (<c>/&lt;marker&gt;/&lt;secret&gt;/index.m3u8</c>): with any one of
///   those secrets, since the service cannot know which one MediaTailor holds;</item>
/// <item>a current desktop Chrome, Safari, Firefox and Edge pass on every allowed origin the change
///   touches and on a bounded, stable sample of the others (a wildcard through <c>www.</c>);</item>
/// <item>MediaTailor's User-Agent without a secret is denied (anyone can send it);</item>
/// <item>each User-Agent allow rule lets a request without Origin through (when the no-Origin
///   policy is <c>ua</c>), with a User-Agent made from the rule;</item>
/// <item>without such rules, while players without Origin pass (report or off mode, or noOrigin
///   <c>allow</c>), real native players (<see cref="NativePlayers"/>) keep passing: switching to
///   enforce before they have an allow rule flips it.</item>
/// </list>
/// Names are stable (<c>builtin:…</c>), so one can be muted by name.
/// </summary>
static class BuiltInExpectations
{
    /// <summary>Untouched origins probed per change, beyond those the change touches.</summary>
    public const int OriginSample = 16;

    public const string ForgedName = Expectation.BuiltInPrefix + "forged-mediatailor";
    public const string PartnerPrefix = Expectation.BuiltInPrefix + "partner:";
    public const string BrowsersPrefix = Expectation.BuiltInPrefix + "browsers:";
    public const string NoOriginPrefix = Expectation.BuiltInPrefix + "no-origin:";
    public const string NativePlayersName = Expectation.BuiltInPrefix + "native-players";

    const string ManifestName = "index.m3u8";

    static readonly SimulatePresets.Preset Template = SimulatePresets.All.Single(p => p.Key == "template");
    static readonly SimulatePresets.Preset Forged = SimulatePresets.All.Single(p => p.Key == "forged");

    /// <param name="before">The store the rules are read from.</param>
    /// <param name="after">The store after the change (its touched origins are always probed); <paramref name="before"/> when listing.</param>
    public static IEnumerable<Expectation> Derive(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, DateTimeOffset now)
    {
        EdgePolicy policy;
        try
        {
            policy = EdgePolicy.From(before.GetValueOrDefault(KvsLayout.ConfigKey));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // A policy the function cannot read denies everything: no rule to derive from.
            yield break;
        }
        foreach (var partner in StoredSecret.All(before).Where(s => !s.IsExpiredAt(now)).GroupBy(s => s.Partner).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            yield return new(PartnerPrefix + partner.Key, Expectation.Pass, null,
                [.. partner.Select(s => new Probe("GET", $"/{policy.SecretMarker}/{ExpectationEvaluator.ProbeSecret}/{ManifestName}", null,
                    new Dictionary<string, string> { ["user-agent"] = Template.UserAgent }, SecretKey: s.Key))],
                true, $"MediaTailor (partner {partner.Key}) fetches a template manifest with one of its live secrets", AnyProbe: true);
        }
        foreach (var origin in OriginsToProbe(before, after, now))
        {
            var probed = origin.Replace("://*.", "://www.", StringComparison.Ordinal);
            yield return new(BrowsersPrefix + origin, Expectation.Pass, null,
                [.. DesktopBrowsers.All.Select(b => new Probe("GET", $"/{ManifestName}", null,
                    new Dictionary<string, string> { ["origin"] = probed, ["user-agent"] = b.UserAgent }))],
                true, $"desktop {string.Join(", ", DesktopBrowsers.All.Select(b => b.Name))} ({DesktopBrowsers.AsOf}) pass on {probed}");
        }
        yield return new(ForgedName, Expectation.Deny, null,
            [new("GET", Forged.Uri, null, new Dictionary<string, string> { ["user-agent"] = Forged.UserAgent })],
            true, "MediaTailor's User-Agent without a secret is denied");
        var allowRules = UserAgentRules.Read(before).Where(r => r.List == UserAgentRule.Allow).ToList();
        if (policy.NoOrigin == "ua" && allowRules.Count > 0)
        {
            foreach (var rule in allowRules)
            {
                if (SampleUserAgent(rule) is not { } userAgent)
                    continue;
                yield return new(NoOriginPrefix + rule.Id, Expectation.Pass, null,
                    [new("GET", $"/{ManifestName}", null, new Dictionary<string, string> { ["user-agent"] = userAgent })],
                    true, $"a player without Origin whose User-Agent is '{userAgent}' passes (allow rule {rule.Id})");
            }
        }
        // No allow rule speaks for players without Origin, yet they pass (report or off, or noOrigin allow):
        // enforcing, or noOrigin ua or deny, would deny every one of them. When they are denied already
        // (enforce with noOrigin deny, or ua and no rule) status warns instead (NATIVE PLAYERS … DENIED).
        else if (policy.Mode != "enforce" || policy.NoOrigin == "allow")
        {
            yield return new(NativePlayersName, Expectation.Pass, null,
                [.. NativePlayers.All.Select(p => new Probe("GET", $"/{ManifestName}", null, new Dictionary<string, string> { ["user-agent"] = p.UserAgent }))],
                true, $"native players without Origin ({string.Join(", ", NativePlayers.All.Select(p => p.Name))}, {NativePlayers.AsOf}) pass; no User-Agent allow rule admits them yet");
        }
    }

    /// <summary>
    /// A User-Agent the rule matches: its glob with every <c>*</c> matching nothing. None for a
    /// schema-1 regex that has no glob (the function cannot evaluate it either).
    /// </summary>
    static string? SampleUserAgent(UserAgentRule rule) =>
        rule.Glob?.Replace("*", "", StringComparison.Ordinal);

    /// <summary>
    /// The live origins of <paramref name="before"/> whose key the change rewrites or deletes, then
    /// up to <see cref="OriginSample"/> others in an order fixed by a hash of the name (stable, and
    /// spread over the list rather than its alphabetical head).
    /// </summary>
    static IEnumerable<string> OriginsToProbe(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> after, DateTimeOffset now)
    {
        var live = before.Where(i => i.Key.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal) && !(KvsLayout.ReadExpiry(i.Value) <= now)).ToList();
        var touched = live.Where(i => after.GetValueOrDefault(i.Key) != i.Value).Select(i => i.Key).ToHashSet(StringComparer.Ordinal);
        var sample = live.Where(i => !touched.Contains(i.Key))
            .Select(i => (i.Key, Order: BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(i.Key)))))
            .OrderBy(i => i.Order).ThenBy(i => i.Key, StringComparer.Ordinal).Take(OriginSample).Select(i => i.Key);
        return touched.Order(StringComparer.Ordinal).Concat(sample).Select(key => key[KvsLayout.OriginPrefix.Length..]);
    }
}
