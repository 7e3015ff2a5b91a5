using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>The user's scenarios and the invariants, through the real function file and the real local store.</summary>
public sealed class AllowlistTests
{
    const string Manifest = "/test/ACCUSSED_Stereo.m3u8";
    static readonly (string, string) ChromeUa = ("user-agent", Edge.Chrome);
    static readonly (string, string) MediaTailorUa = ("user-agent", "AWS Elemental MediaTailor mediatailor.amazonaws.com");

    static Task<TestStore> BrowserStoreAsync(string cfg, params KeyValueItem[] more) => TestStore.WithAsync(
    [
        new("cfg", cfg),
        new("o:https://www.example.com", "{}"),
        new("ua:0", "{\"allow\":[\"*Mozilla/*\",\"*AppleCoreMedia/*\"],\"deny\":[\"*curl/*\"]}"),
        .. more,
    ]);

    [Fact]
    public async Task MediaTailor_with_its_secret_passes_and_the_origin_never_sees_the_secret()
    {
        var secret = Edge.NewSecret();
        using var store = await BrowserStoreAsync(Edge.Cfg(), Edge.Secret(secret));

        var outcome = Edge.Run(store.Store, $"/_p/{secret}{Manifest}", MediaTailorUa);

        outcome.Action.ShouldBe(EdgeAction.Pass);
        outcome.Uri.ShouldBe(Manifest);
        outcome.Output.ToJsonString().ShouldNotContain(secret);
        outcome.KvsReads.ShouldBe(2);
    }

    [Fact]
    public async Task A_MediaTailor_user_agent_without_the_secret_is_denied()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg(), Edge.Secret(Edge.NewSecret()));

        var outcome = Edge.Run(store.Store, Manifest, MediaTailorUa);

        outcome.StatusCode.ShouldBe(403);
        outcome.Header("x-allowlist-reason").ShouldBe("ua-not-allowed");
    }

    [Theory]
    [InlineData("/v1/master/1a2b/config/index.m3u8")]
    [InlineData("/v1/tracking/1a2b/config/session")]
    [InlineData("/tm/1a2b/ad/segment_0.ts")]
    [InlineData("/content/segment_0001.ts")]
    [InlineData("/content/chunk_0001.m4s")]
    public async Task A_browser_on_an_allowed_origin_passes_on_every_player_path_in_three_reads(string uri)
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());

        var outcome = Edge.Run(store.Store, uri, ("origin", "https://www.example.com"), ChromeUa);

        outcome.Action.ShouldBe(EdgeAction.Pass);
        outcome.Uri.ShouldBe(uri);
        outcome.KvsReads.ShouldBe(3);
    }

    [Fact]
    public async Task Rotation_keeps_the_old_secret_valid_until_its_grace_period_ends()
    {
        var oldSecret = Edge.NewSecret();
        var newSecret = Edge.NewSecret();
        using var store = await BrowserStoreAsync(Edge.Cfg(), Edge.Secret(oldSecret));
        var graceEnds = Edge.Now.AddHours(1);

        // Rotate: the new hash goes in, the old one gets an expiry.
        await store.WriteAsync([Edge.Secret(newSecret), Edge.Secret(oldSecret, exp: Edge.Unix(graceEnds))]);
        DateTimeOffset[] during = [Edge.Now, graceEnds.AddSeconds(-1)];
        foreach (var now in during)
        {
            Run(oldSecret, now).Uri.ShouldBe(Manifest);
            Run(newSecret, now).Uri.ShouldBe(Manifest);
        }

        var after = graceEnds;
        Run(oldSecret, after).Header("x-allowlist-reason").ShouldBe("secret-expired");
        Run(newSecret, after).Uri.ShouldBe(Manifest);

        await store.DeleteAsync(Edge.SecretKey(oldSecret));
        Run(oldSecret, after).Header("x-allowlist-reason").ShouldBe("secret-unknown");

        EdgeOutcome Run(string secret, DateTimeOffset now) =>
            Edge.Function.Run(Edge.Request($"/_p/{secret}{Manifest}", MediaTailorUa), store.Store, now);
    }

    [Fact]
    public async Task A_wrong_secret_is_denied_even_with_an_allowed_origin_and_browser()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg(), Edge.Secret(Edge.NewSecret()));

        var outcome = Edge.Run(store.Store, $"/_p/{Edge.NewSecret()}/v1/master/a.m3u8", ("origin", "https://www.example.com"), ChromeUa);

        outcome.StatusCode.ShouldBe(403);
        outcome.Header("x-allowlist-reason").ShouldBe("secret-unknown");
    }

    [Theory]
    [InlineData("/seg.ts", "manifests", false)]
    [InlineData("/a/b.M3U8", "manifests", true)]
    [InlineData("/a/b.mpd", "manifests", true)]
    [InlineData("/slate/slate.mp4", "manifests", true)]
    [InlineData("/a.m3u8.ts", "manifests", false)]
    [InlineData("/seg.ts", "all", true)]
    public async Task A_secret_opens_only_the_paths_of_its_scope(string path, string scope, bool passes)
    {
        var secret = Edge.NewSecret();
        using var store = await BrowserStoreAsync(Edge.Cfg(), Edge.Secret(secret, scope));

        var outcome = Edge.Run(store.Store, $"/_p/{secret}{path}");

        (outcome.Action == EdgeAction.Pass).ShouldBe(passes);
        if (passes) outcome.Uri.ShouldBe(path);
        else outcome.Header("x-allowlist-reason").ShouldBe("secret-scope");
    }

    [Fact]
    public async Task Every_value_of_a_repeated_header_counts()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());
        var origin = ("origin", "https://www.example.com");

        Edge.Run(store.Store, "/seg.ts", origin, ChromeUa, ("user-agent", "curl/8.5.0")).Header("x-allowlist-reason").ShouldBe("ua-denied");
        // Allow rules are for requests without Origin: there every value needs one; a browser on an allowed origin needs none.
        Edge.Run(store.Store, "/seg.ts", origin, ChromeUa, ("user-agent", "SmartTV/1.0")).Action.ShouldBe(EdgeAction.Pass);
        Edge.Run(store.Store, "/seg.ts", ("user-agent", "AppleCoreMedia/1.0"), ("user-agent", "SmartTV/1.0")).Header("x-allowlist-reason").ShouldBe("ua-not-allowed");
        Edge.Run(store.Store, "/seg.ts", origin, ChromeUa, ("user-agent", "AppleCoreMedia/1.0")).Action.ShouldBe(EdgeAction.Pass);
        Edge.Run(store.Store, "/seg.ts", origin, ("origin", "https://evil.example.net"), ChromeUa).Header("x-allowlist-reason").ShouldBe("origin-invalid");
        Edge.Run(store.Store, "/seg.ts", ("referer", "https://www.example.com/a"), ("referer", "https://www.example.com/b"), ChromeUa)
            .Header("x-allowlist-reason").ShouldBe("origin-invalid");
        Edge.Request("/seg.ts", ChromeUa, ("user-agent", "curl/8.5.0"))["request"]!["headers"]!["user-agent"]!["multiValue"]!.AsArray().Count.ShouldBe(2);
    }

    [Fact]
    public async Task Changing_the_store_flips_decisions_with_the_same_function_file()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());
        EdgeOutcome Partner() => Edge.Run(store.Store, "/v1/master/a.m3u8", ("origin", "https://partner.example.net"), ChromeUa);

        Partner().Action.ShouldBe(EdgeAction.Respond);
        await store.PutAsync("o:https://partner.example.net", "{}");
        Partner().Action.ShouldBe(EdgeAction.Pass);
        await store.PutAsync("ua:0", "{\"deny\":[\"*Chrome/*\"]}");
        Partner().Header("x-allowlist-reason").ShouldBe("ua-denied");
        await store.PutAsync("cfg", Edge.Cfg(",\"mode\":\"off\"").Replace("\"mode\":\"enforce\",", ""));
        Partner().Action.ShouldBe(EdgeAction.Pass);
        await store.DeleteAsync("cfg");
        Partner().StatusCode.ShouldBe(403);
    }

    [Fact]
    public async Task Report_mode_passes_and_logs_one_json_line_with_the_reason()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg().Replace("enforce", "report"));

        var outcome = Edge.Run(store.Store, "/v1/master/a.m3u8", ("origin", "https://evil.example.net"), ("user-agent", "curl/8.5.0"));

        outcome.Action.ShouldBe(EdgeAction.Pass);
        var line = System.Text.Json.Nodes.JsonNode.Parse(outcome.Logs.ShouldHaveSingleItem())!;
        line["allowlist"]!.GetValue<string>().ShouldBe("report");
        line["reason"]!.GetValue<string>().ShouldBe("origin-unknown");
        line["origin"]!.GetValue<string>().ShouldBe("https://evil.example.net");
    }

    [Fact]
    public async Task Enforce_mode_without_the_log_flag_stays_quiet_on_denials()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());

        var outcome = Edge.Run(store.Store, "/v1/master/a.m3u8", ("origin", "https://evil.example.net"), ChromeUa);

        outcome.StatusCode.ShouldBe(403);
        outcome.Logs.ShouldBeEmpty();
        outcome.Output["response"]!["body"].ShouldBeNull();
    }

    [Fact]
    public async Task A_secret_never_reaches_a_log_line_even_when_cfg_is_unusable()
    {
        var secret = Edge.NewSecret();
        using var store = await TestStore.WithAsync([new("cfg", "not json")]);

        var outcome = Edge.Run(store.Store, $"/_p/{secret}{Manifest}", MediaTailorUa);

        outcome.StatusCode.ShouldBe(403);
        outcome.Logs.ShouldHaveSingleItem().ShouldNotContain(secret[5..]);
        outcome.Header("x-allowlist-reason").ShouldBeNull();
    }

    [Theory]
    [InlineData("closed", EdgeAction.Respond)]
    [InlineData("open", EdgeAction.Pass)]
    public async Task A_store_error_on_a_user_agent_shard_follows_the_fail_policy_and_never_throws(string fail, EdgeAction expected)
    {
        var secret = Edge.NewSecret();
        using var store = await BrowserStoreAsync(Edge.Cfg($",\"fail\":\"{fail}\""), Edge.Secret(secret));
        var failing = new FailingStore(store.Store, key => key.StartsWith("ua:", StringComparison.Ordinal) ? new KvsException(KvsErrorKind.Unavailable, "RequestTimeout", "timed out") : null);

        var outcome = Edge.Function.Run(Edge.Request("/v1/master/a.m3u8", ("origin", "https://www.example.com"), ChromeUa), failing, Edge.Now);

        outcome.Action.ShouldBe(expected);
        outcome.Logs.ShouldHaveSingleItem().ShouldContain("\"reason\":\"error\"");
        if (expected == EdgeAction.Respond) outcome.Header("x-allowlist-reason").ShouldBe("error");
    }

    [Fact]
    public async Task An_unreadable_cfg_denies_with_the_built_in_policy()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg(",\"fail\":\"open\""));
        var failing = new FailingStore(store.Store, _ => new KvsException(KvsErrorKind.ServerError, "InternalServerException", "boom"));

        var outcome = Edge.Function.Run(Edge.Request("/v1/master/a.m3u8", ("origin", "https://www.example.com"), ChromeUa), failing, Edge.Now);

        outcome.StatusCode.ShouldBe(403);
        outcome.KvsReads.ShouldBe(1);
    }

    [Theory]
    [InlineData("{\"v\":3}")]
    [InlineData("{\"mode\":\"enforce\"}")]
    [InlineData("{\"v\":1,\"mode\":\"audit\"}")]
    [InlineData("{\"v\":1,\"ua\":9}")]
    [InlineData("{\"v\":1,\"wild\":-1}")]
    [InlineData("{\"v\":1,\"deny\":500}")]
    [InlineData("{\"v\":1,\"public\":\"/healthz\"}")]
    [InlineData("{\"v\":1,\"marker\":\"a/b\"}")]
    [InlineData("[1]")]
    [InlineData("null")]
    public async Task A_malformed_cfg_denies_everything(string cfg)
    {
        using var store = await BrowserStoreAsync(cfg);

        var outcome = Edge.Run(store.Store, "/healthz", ("origin", "https://www.example.com"), ChromeUa);

        outcome.StatusCode.ShouldBe(403);
        outcome.Logs.ShouldHaveSingleItem().ShouldContain("\"reason\":\"cfg\"");
    }

    [Theory]
    [InlineData("ua:0", "{\"allow\":5}")]
    [InlineData("ua:0", "\"Mozilla\"")]
    [InlineData("ua:0", "{\"allow\":\"Mozilla/\"}")]
    [InlineData("ua:0", "{\"allow\":[5]}")]
    [InlineData("ua:0", "{\"deny\":[\"\"]}")]
    [InlineData("o:https://www.example.com", "[]")]
    [InlineData("o:https://www.example.com", "{\"exp\":-5}")]
    public async Task A_malformed_rule_value_fails_closed_by_default(string key, string value)
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());
        await store.PutAsync(key, value);

        var outcome = Edge.Run(store.Store, "/v1/master/a.m3u8", ("origin", "https://www.example.com"), ChromeUa);

        outcome.Header("x-allowlist-reason").ShouldBe("error");
    }

    [Fact]
    public async Task A_missing_ua_shard_is_an_inconsistent_store_not_an_empty_rule()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg().Replace("\"ua\":1", "\"ua\":2"));

        var outcome = Edge.Run(store.Store, "/v1/master/a.m3u8", ("origin", "https://www.example.com"), ChromeUa);

        outcome.Header("x-allowlist-reason").ShouldBe("error");
        outcome.KvsReads.ShouldBe(4);
    }

    [Theory]
    [InlineData("ua")]
    [InlineData("deny")]
    [InlineData("allow")]
    public async Task No_origin_policy_decides_requests_without_Origin_and_Referer(string policy)
    {
        using var store = await BrowserStoreAsync(Edge.Cfg($",\"noOrigin\":\"{policy}\"").Replace("\"noOrigin\":\"ua\",", ""));

        var safari = Edge.Run(store.Store, "/seg.ts", ("user-agent", "AppleCoreMedia/1.0.0.21A329 (iPhone)"));
        var curl = Edge.Run(store.Store, "/seg.ts", ("user-agent", "curl/8.5.0"));
        var unknownPlayer = Edge.Run(store.Store, "/seg.ts", ("user-agent", "SmartTV/1.0"));

        (safari.Action, curl.Action, unknownPlayer.Action).ShouldBe(policy switch
        {
            "ua" => (EdgeAction.Pass, EdgeAction.Respond, EdgeAction.Respond),
            "deny" => (EdgeAction.Respond, EdgeAction.Respond, EdgeAction.Respond),
            // allow admits without an allow match, but the deny rules still apply: they apply to every request.
            _ => (EdgeAction.Pass, EdgeAction.Respond, EdgeAction.Pass),
        });
    }

    [Fact]
    public async Task No_origin_policy_ua_never_degrades_to_allow_when_there_are_no_allow_patterns()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());
        await store.PutAsync("ua:0", "{\"deny\":[\"*curl/*\"]}");

        var outcome = Edge.Run(store.Store, "/seg.ts", ("user-agent", "AppleCoreMedia/1.0"));

        outcome.Header("x-allowlist-reason").ShouldBe("ua-not-allowed");
    }

    [Theory]
    [InlineData("https://a.example.com", 0, false)]
    [InlineData("https://a.example.com", 1, true)]
    [InlineData("https://b.a.example.com", 1, false)]
    [InlineData("https://b.a.example.com", 2, true)]
    [InlineData("https://example.com", 5, false)]
    [InlineData("https://a.example.com:8443", 1, false)]
    [InlineData("http://a.example.com", 1, false)]
    [InlineData("https://*.example.com", 1, false)]
    [InlineData("https://.example.com", 1, false)]
    [InlineData("https://a.example.com.evil.net", 5, false)]
    public async Task A_wildcard_origin_matches_leftmost_labels_up_to_the_configured_depth(string origin, int wild, bool passes)
    {
        using var store = await BrowserStoreAsync(Edge.Cfg().Replace("\"wild\":2", $"\"wild\":{wild}"), new KeyValueItem("o:https://*.example.com", "{}"));

        var outcome = Edge.Run(store.Store, "/seg.ts", ("origin", origin), ChromeUa);

        (outcome.Action == EdgeAction.Pass).ShouldBe(passes, string.Join("\n", outcome.Logs));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(5, 8)]
    public async Task The_worst_case_read_count_is_two_plus_wildcard_depth_plus_shards(int wild, int shards)
    {
        var cfg = Edge.Cfg().Replace("\"wild\":2", $"\"wild\":{wild}").Replace("\"ua\":1", $"\"ua\":{shards}");
        var shardItems = Enumerable.Range(0, shards).Select(n => new KeyValueItem($"ua:{n}", "{\"allow\":[\"*Chrome/*\"]}"));
        // The deepest wildcard is the only rule for this host, so every candidate is read.
        using var store = await TestStore.WithAsync([new("cfg", cfg), new("o:https://*.example.com", "{}"), .. shardItems]);
        var host = string.Join(".", Enumerable.Range(0, wild).Select(i => $"l{i}")) + ".example.com";

        var outcome = Edge.Run(store.Store, "/seg.ts", ("origin", $"https://{host}"), ChromeUa);

        outcome.Action.ShouldBe(EdgeAction.Pass);
        outcome.KvsReads.ShouldBe(2 + wild + shards);
    }

    [Fact]
    public async Task The_read_count_does_not_grow_with_the_number_of_rules()
    {
        var manyOrigins = Enumerable.Range(0, 2_000).Select(i => new KeyValueItem($"o:https://site{i}.example.net", "{}"));
        var manySecrets = Enumerable.Range(0, 500).Select(_ => Edge.Secret(Edge.NewSecret()));
        var secret = Edge.NewSecret();
        using var store = await BrowserStoreAsync(Edge.Cfg(), [.. manyOrigins, .. manySecrets, Edge.Secret(secret)]);

        Edge.Run(store.Store, "/seg.ts", ("origin", "https://site1999.example.net"), ChromeUa).KvsReads.ShouldBe(3);
        Edge.Run(store.Store, "/seg.ts", ("origin", "https://www.example.com"), ChromeUa).KvsReads.ShouldBe(3);
        Edge.Run(store.Store, $"/_p/{secret}{Manifest}").KvsReads.ShouldBe(2);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"version\":\"1.0\"}")]
    [InlineData("{\"request\":{}}")]
    [InlineData("{\"request\":{\"uri\":\"/a\",\"headers\":{\"origin\":{}}}}")]
    [InlineData("{\"request\":{\"uri\":\"/a\",\"headers\":{\"origin\":{\"value\":7},\"user-agent\":{\"value\":null}}}}")]
    public async Task Garbage_events_are_denied_without_throwing(string json)
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());

        var outcome = Edge.Function.Run(System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject(), store.Store, Edge.Now);

        outcome.Action.ShouldBe(EdgeAction.Respond, outcome.Error);
    }

    [Fact]
    public async Task A_handler_called_without_an_event_still_answers()
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());
        // The deployed handler, renamed and called with no event by a one-line wrapper.
        var probe = EdgeFunctionRuntime.FromSource(Edge.Source.Source.Replace("async function handler(event)", "async function deployed(event)")
            + "\nasync function handler(event) { return deployed(undefined); }", deployable: false);

        var outcome = probe.Run(Edge.Request("/"), store.Store, Edge.Now);

        outcome.StatusCode.ShouldBe(403);
    }

    [Theory]
    [InlineData("*AppleCoreMedia/*", "AppleCoreMedia/1.0.0 (iPhone)", true)]
    [InlineData("*applecoremedia/*", "Mozilla/5.0 APPLECOREMEDIA/1.0", true)]
    [InlineData("*AppleCoreMedia/*", "AppleCoreMedia", false)]
    [InlineData("ExoPlayer*", "ExoPlayerLib/2.19", true)]
    [InlineData("ExoPlayer*", "MyExoPlayerLib/2.19", false)]
    [InlineData("Roku/DVP-12.5", "Roku/DVP-12.5", true)]
    [InlineData("Roku/DVP-12.5", "Roku/DVP-12.50", false)]
    [InlineData("Roku/DVP-12.5", "xRoku/DVP-12.5", false)]
    [InlineData("Mozilla/*Chrome/*Safari/*", "Mozilla/5.0 (X11) Chrome/124.0 Safari/537.36", true)]
    [InlineData("Mozilla/*Chrome/*Safari/*", "Mozilla/5.0 (X11) Safari/537.36 Chrome/124.0", false)]
    [InlineData("*ab*ab", "xabab", true)]
    [InlineData("*ab*ab", "xab", false)]
    [InlineData("a*a", "a", false)]
    [InlineData("a*a", "aa", true)]
    [InlineData("*", "", true)]
    [InlineData("*x*", "", false)]
    public async Task A_rule_is_a_glob_matched_case_insensitively_with_string_operations(string glob, string userAgent, bool matches)
    {
        using var store = await BrowserStoreAsync(Edge.Cfg());
        await store.PutAsync("ua:0", $"{{\"allow\":[{System.Text.Json.JsonSerializer.Serialize(glob)}]}}");

        var outcome = Edge.Run(store.Store, "/seg.ts", ("user-agent", userAgent));

        (outcome.Action == EdgeAction.Pass).ShouldBe(matches, outcome.Header("x-allowlist-reason"));
        Edge.Source.Run(Edge.Request("/seg.ts", ("user-agent", userAgent)), store.Store, Edge.Now).Action.ShouldBe(outcome.Action);
    }
}
