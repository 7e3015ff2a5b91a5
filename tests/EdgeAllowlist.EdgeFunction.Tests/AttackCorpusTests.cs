namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>
/// The attack corpus of issue 9 (function/events/_attacks.json) and the sample events, through the real
/// function file, under every way a missing key can be reported: no decision may depend on the message.
/// </summary>
public sealed class AttackCorpusTests
{
    /// <summary>What get() throws for a missing key: CloudFront's observed Error, other messages, and a thrown string.</summary>
    public static readonly MissingKey[] MissingKeys =
        [MissingKey.Observed, new("Key does not exist"), new(""), new("KeyNotFound", AsError: false)];

    static readonly EdgeFunctionRuntime[] Runtimes = [.. MissingKeys.Select(m => EdgeFunctionRuntime.Load(missingKey: m))];

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in EventCases.LoadAttacks().Concat(EventCases.LoadAll()).Select(c => c.Name))
            for (var m = 0; m < MissingKeys.Length; m++) data.Add(name, m);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Every_attack_and_sample_yields_its_expected_outcome_whatever_a_missing_key_throws(string name, int missingKey)
    {
        var eventCase = EventCases.LoadAttacks().Concat(EventCases.LoadAll()).Single(c => c.Name == name);
        using var store = await TestStore.ForCaseAsync(eventCase);

        var outcome = Runtimes[missingKey].Run(eventCase.Event, store.Store, Edge.Now);

        outcome.Error.ShouldBeNull();
        eventCase.Expect.Mismatches(outcome.Output, outcome.Logs, outcome.KvsReads).ShouldBeEmpty($"{eventCase.Description} ({MissingKeys[missingKey]})");
    }

    [Fact]
    public void The_corpus_holds_every_input_of_issue_9_for_the_edge()
    {
        var uris = EventCases.LoadAttacks().Select(c => c.Event["request"]!["uri"]!.GetValue<string>()).ToList();

        string[] traversal = ["/healthz/..%2fprivate/x.ts", "/healthz/%2e%2e%2fprivate/x.ts", "/healthz/..;/private/x.ts",
            "/healthz/..\\private/x.ts", "/healthz/..%5cprivate/x.ts", "/healthz/%252e%252e/private/x.ts"];
        traversal.Except(uris).ShouldBeEmpty();
        foreach (var suffix in new[] { ";.m3u8", "%3F.m3u8", "%00.m3u8", "%23.m3u8" })
            uris.ShouldContain(u => u.EndsWith("/private/y.ts" + suffix, StringComparison.Ordinal));
        var origins = EventCases.LoadAttacks().Select(c => c.Event["request"]!["headers"]!["origin"]?["value"]?.GetValue<string>()).ToList();
        foreach (var port in new[] { ":0", ":00000", ":0443" }) origins.ShouldContain("https://www.example.com" + port);
        EventCases.LoadAttacks().ShouldContain(c => c.Event["request"]!["headers"]!["user-agent"]!["multiValue"] != null && c.Expect.Reason == "ua-denied");
    }

    [Fact]
    public async Task A_failed_read_of_a_granting_key_counts_as_absent_under_both_fail_policies()
    {
        foreach (var fail in new[] { "closed", "open" })
        {
            var secret = Edge.NewSecret();
            using var store = await TestStore.WithAsync([new("cfg", Edge.Cfg($",\"fail\":\"{fail}\"")), new("o:https://www.example.com", "{}"),
                new("ua:0", "{\"allow\":\"Mozilla/\"}"), Edge.Secret(secret)]);
            var failing = new FailingStore(store.Store, key => key == "cfg" || key.StartsWith("ua:", StringComparison.Ordinal)
                ? null
                : new Store.KvsException(Store.KvsErrorKind.Unavailable, "RequestTimeout", "timed out"));

            var browser = Edge.Function.Run(Edge.Request("/v1/master/a.m3u8", ("origin", "https://www.example.com"), ("user-agent", Edge.Chrome)), failing, Edge.Now);
            var partner = Edge.Function.Run(Edge.Request($"/_p/{secret}/test/a.m3u8"), failing, Edge.Now);

            browser.Header("x-allowlist-reason").ShouldBe("origin-unknown", fail);
            partner.Header("x-allowlist-reason").ShouldBe("secret-unknown", fail);
        }
    }
}
