using System.Collections.Immutable;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Features.Expectations;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.Rules.Layout;
using ProbeRequest = EdgeAllowlist.Api.Features.Simulate.Run.Request;

namespace EdgeAllowlist.Api.Tests.Expectations;

/// <summary>
/// The check runs an expectation again only when a key it read changed, and reuses a result while
/// every key it read is unchanged and nothing it read has expired since. These tests warm the kept
/// results with unrelated changes first, then make the change that must re-check: a check that
/// skipped, or reused a stale result, would miss the flips (or report one that is not the change's).
/// The function is the real file, run by the simulate engine.
/// </summary>
public sealed class ExpectationChecksTests
{
    const string Firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0";
    const string AppleCoreMedia = "AppleCoreMedia/1.0.0.21F90 (iPhone; U; CPU OS 17_5 like Mac OS X; en_us)";
    const int Count = 24;

    static readonly EdgeFunctionRuntime Runtime = EdgeFunctionRuntime.Load();

    readonly Clock clock = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    ExpectationChecks Checks() => new(null!, new ExpectationEvaluator(Runtime), clock);

    static ExpectationDefinition Kept(string name, Dictionary<string, string> headers, string uri = "/live/index.m3u8") =>
        new(name, new ProbeRequest { Uri = uri, Headers = headers }, Expectation.Pass);

    static ExpectationSet Set(IEnumerable<ExpectationDefinition> defined) => new([.. defined], new Dictionary<string, MutedBuiltIn>());

    static ImmutableDictionary<string, string> Store(string cfg, params (string Key, string Value)[] items) =>
        ImmutableDictionary.CreateRange(StringComparer.Ordinal, [new(KvsLayout.ConfigKey, cfg), .. items.Select(i => KeyValuePair.Create(i.Key, i.Value))]);

    static string Config(string mode, string noOrigin = "ua")
    {
        var cfg = JsonNode.Parse(KvsLayout.DefaultConfig)!.AsObject();
        cfg["mode"] = mode;
        cfg["noOrigin"] = noOrigin;
        return cfg.ToJsonString();
    }

    /// <summary>The store with <paramref name="globs"/> as the User-Agent allow list, written the way the API writes it (shards and cfg.ua).</summary>
    static ImmutableDictionary<string, string> WithAllowRules(ImmutableDictionary<string, string> store, params string[] globs)
    {
        foreach (var write in UserAgentRules.Plan(store, _ => [.. globs.Select(g => UserAgentRule.FromGlob(UserAgentRule.Allow, g, 0))], "test"))
            store = write.Value is null ? store.Remove(write.Key) : store.SetItem(write.Key, write.Value);
        return store;
    }

    static IEnumerable<string> Names(IEnumerable<Infrastructure.Writer.ExpectationFlip> flips) => flips.Select(f => f.Name);

    [Fact]
    public void Switching_mode_to_enforce_rechecks_every_expectation_whose_result_was_kept_from_unrelated_changes()
    {
        var checks = Checks();
        // Report mode: every request passes. Browsers on origins nobody allowed, and native players without a rule.
        var set = Set(Enumerable.Range(0, Count).Select(i => i % 2 == 0
            ? Kept($"browser-{i:D2}", new() { ["origin"] = $"https://site{i:D2}.unlisted.example", ["user-agent"] = Firefox })
            : Kept($"native-{i:D2}", new() { ["user-agent"] = AppleCoreMedia }, $"/live/{i}/index.m3u8")));
        var report = Store(Config("report"), ("o:https://kept.example", "{}"));

        // Unrelated changes keep every result (and flip nothing).
        checks.Flips(set, report, report.SetItem("o:https://other.example", "{}")).ShouldBeEmpty();
        checks.Flips(set, report, report.Remove("o:https://kept.example")).ShouldBeEmpty();

        var flips = checks.Flips(set, report, report.SetItem(KvsLayout.ConfigKey, Config("enforce")));

        Names(flips).Where(n => !n.StartsWith(Expectation.BuiltInPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .ShouldBe(set.Defined.Select(d => d.Name).Order(StringComparer.Ordinal));
        flips.Single(f => f.Name == "browser-00").Reason.ShouldBe("origin-unknown");
        flips.Single(f => f.Name == "native-01").Reason.ShouldBe("ua-not-allowed");
        // And the built-in that speaks for native players without a rule flips with them.
        Names(flips).ShouldContain(BuiltInExpectations.NativePlayersName);
    }

    [Fact]
    public void Removing_the_user_agent_allow_rule_rechecks_every_native_player_expectation_whose_result_was_kept()
    {
        var checks = Checks();
        var set = Set(Enumerable.Range(0, Count).Select(i => Kept($"native-{i:D2}", new() { ["user-agent"] = AppleCoreMedia }, $"/live/{i}/index.m3u8")));
        var withRule = WithAllowRules(Store(Config("enforce"), ("o:https://kept.example", "{}")), "*AppleCoreMedia*");
        withRule.Keys.ShouldContain(KvsLayout.UserAgentShardKey(0));

        checks.Flips(set, withRule, withRule.SetItem("o:https://other.example", "{}")).ShouldBeEmpty();
        checks.Flips(set, withRule, withRule.SetItem("o:https://kept.example", KvsLayout.OriginValue(clock.GetUtcNow().AddDays(30)))).ShouldBeEmpty();

        // Another allow rule in the same shard changes the shard's value: still nothing flips, each one ran again.
        var twoRules = WithAllowRules(withRule, "*AppleCoreMedia*", "*ExoPlayerLib*");
        checks.Flips(set, withRule, twoRules).ShouldBeEmpty();

        var flips = checks.Flips(set, twoRules, WithAllowRules(twoRules, "*ExoPlayerLib*"));

        Names(flips).Where(n => n.StartsWith("native-", StringComparison.Ordinal)).Count().ShouldBe(Count);
        flips.ShouldAllBe(f => f.Before == "pass" && f.After == "deny");
    }

    [Fact]
    public void A_kept_result_is_not_reused_once_an_origin_it_read_has_expired()
    {
        var checks = Checks();
        var expires = clock.GetUtcNow().AddMinutes(5);
        var set = Set([Kept("expiring-browser", new() { ["origin"] = "https://expiring.example", ["user-agent"] = Firefox })]);
        var store = Store(Config("enforce"), ("o:https://expiring.example", KvsLayout.OriginValue(expires)), ("o:https://kept.example", "{}"));
        // Kept while it holds: an unrelated change, then the origin's own change would flip it.
        checks.Flips(set, store, store.SetItem("o:https://other.example", "{}")).ShouldBeEmpty();
        Names(checks.Flips(set, store, store.Remove("o:https://expiring.example"))).ShouldContain("expiring-browser");

        clock.Now = expires.AddSeconds(1);

        // Expired: it fails already, so deleting the origin flips nothing (a stale "holds" would say it does).
        Names(checks.Flips(set, store, store.Remove("o:https://expiring.example"))).ShouldNotContain("expiring-browser");
        checks.EvaluateAll(set, store).Single(e => e.Expectation.Name == "expiring-browser").Result.Holds.ShouldBeFalse();
    }

    [Fact]
    public void A_kept_result_is_not_reused_for_an_expectation_changed_under_the_same_name()
    {
        var checks = Checks();
        var store = Store(Config("enforce"), ("o:https://allowed.example", "{}"));
        var allowed = Set([Kept("player", new() { ["origin"] = "https://allowed.example", ["user-agent"] = Firefox })]);
        checks.EvaluateAll(allowed, store).Single(e => e.Expectation.Name == "player").Result.Holds.ShouldBeTrue();

        var unlisted = Set([Kept("player", new() { ["origin"] = "https://unlisted.example", ["user-agent"] = Firefox })]);

        checks.EvaluateAll(unlisted, store).Single(e => e.Expectation.Name == "player").Result.Holds.ShouldBeFalse();
    }

    sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
