using CsCheck;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>
/// The function against a small reference model of function/README.md §3, over random rule sets
/// and requests: same action, same URI for the origin, same reason, same number of KVS reads.
/// </summary>
public sealed class ReferenceModelTests
{
    static readonly long Now = Edge.Unix(Edge.Now);

    static readonly string[] OriginKeys =
    [
        "https://www.example.com", "https://*.example.com", "https://*.a.example.com", "http://www.example.com",
        "https://www.example.com:8443", "https://*.example.org", "https://example.org",
    ];

    static readonly string[] RequestOrigins =
    [
        "https://www.example.com", "https://a.example.com", "https://b.a.example.com", "https://c.b.a.example.com",
        "http://www.example.com", "https://www.example.com:8443", "HTTPS://WWW.example.com:443", "https://www.example.org",
        "https://example.org", "https://evil.net", "null",
    ];

    static readonly string[] UaTokens = ["Chrome/", "curl/", "AppleCoreMedia/", "Bot"];

    static readonly string[] UserAgents = ["Mozilla/5.0 Chrome/124.0", "curl/8.5.0", "AppleCoreMedia/1.0.0 (iPhone)", "SmartTV Bot/2", ""];

    static readonly string[] Secrets = [Edge.NewSecret(), Edge.NewSecret(), Edge.NewSecret()];

    static readonly string[] Paths = ["/v1/master/a.m3u8", "/seg/1.ts", "/dash/x.mpd", "/healthz", "/healthz/deep", "/",
        "/healthz/..%2fx.m3u8", "/v1/a;b.m3u8", "/x/%2E%2e/seg.ts", "/a/y.ts%3F.m3u8", "/healthz/a%20b", "/healthz/..%20/x", "/healthz//x",
        "/healthz/a:b", "/a%20b/x.m3u8", "/a/.%20/x.m3u8"];

    // Rule values: 0–1 absent, 2 {}, 3 expired, 4 expires later, 5 exp 0, 6 malformed.
    static readonly Gen<int> RuleState = Gen.Frequency((4, Gen.Int[0, 1]), (6, Gen.Int[2, 5]), (1, Gen.Const(6)));

    sealed record Shard(string[] Allow, string[] Deny);

    sealed record SecretRule(string Scope, long Exp);

    sealed record Rules(string Mode, string NoOrigin, int Wild, string Fail, bool Public,
        Dictionary<string, int> Origins, Shard[] Shards, Dictionary<string, SecretRule> SecretRules)
    {
        public List<KeyValueItem> Items()
        {
            var items = new List<KeyValueItem>
            {
                new("cfg", $"{{\"v\":2,\"mode\":\"{Mode}\",\"noOrigin\":\"{NoOrigin}\",\"public\":{(Public ? "[\"/healthz\"]" : "[]")},\"ua\":{Shards.Length},\"wild\":{Wild},\"fail\":\"{Fail}\",\"reason\":true}}"),
            };
            foreach (var (origin, state) in Origins)
            {
                var value = state switch { 2 => "{}", 3 => $"{{\"exp\":{Now - 100}}}", 4 => $"{{\"exp\":{Now + 100}}}", 5 => "{\"exp\":0}", 6 => "{\"exp\":true}", _ => null };
                if (value is not null) items.Add(new($"o:{origin}", value));
            }
            for (var n = 0; n < Shards.Length; n++)
                items.Add(new($"ua:{n}", $"{{\"allow\":[{Globs(Shards[n].Allow)}],\"deny\":[{Globs(Shards[n].Deny)}]}}"));
            foreach (var (secret, rule) in SecretRules)
                items.Add(Edge.Secret(secret, rule.Scope, rule.Exp));
            return items;
        }

        /// <summary>Contains rules, as the service compiles them: the token between two wildcards.</summary>
        static string Globs(string[] tokens) => string.Join(",", tokens.Select(t => $"\"*{t}*\""));
    }

    sealed record Request(string Uri, string? Origin, string? Referer, string UserAgent)
    {
        public EdgeOutcome Run(IKeyValueStore store)
        {
            var headers = new List<(string, string)> { ("user-agent", UserAgent) };
            if (Origin is not null) headers.Add(("origin", Origin));
            if (Referer is not null) headers.Add(("referer", Referer));
            return Edge.Function.Run(Edge.Request(Uri, [.. headers]), store, Edge.Now);
        }
    }

    /// <param name="Reason">null when the request passed cleanly; else the reason the model denies (or, in report mode, logs).</param>
    sealed record Expected(bool Pass, string? Uri, string? Reason, int Reads);

    static readonly Gen<Shard> ShardGen =
        Gen.Select(Gen.Bool.Array[UaTokens.Length], Gen.Bool.Array[UaTokens.Length], (a, d) =>
            new Shard(UaTokens.Where((_, i) => a[i] && !d[i]).ToArray(), UaTokens.Where((_, i) => d[i] && !a[i] && i != 0).ToArray()));

    static readonly Gen<Rules> RulesGen = Gen.Select(
        Gen.Select(Gen.OneOf("enforce", "enforce", "report", "off"), Gen.OneOf("ua", "deny", "allow"), Gen.Int[0, 2], Gen.OneOf("closed", "open"), Gen.Bool),
        RuleState.Array[OriginKeys.Length],
        ShardGen.Array[0, 3],
        Gen.Select(Gen.Int[0, 2], Gen.OneOf("manifests", "all"), Gen.OneOf(0L, Now - 100, Now + 100)).Array[Secrets.Length],
        (cfg, origins, shards, secrets) => new Rules(cfg.Item1, cfg.Item2, cfg.Item3, cfg.Item4, cfg.Item5,
            OriginKeys.Select((k, i) => (k, origins[i])).ToDictionary(p => p.k, p => p.Item2),
            shards,
            Secrets.Select((s, i) => (s, secrets[i])).Where(p => p.Item2.Item1 > 0).ToDictionary(p => p.s, p => new SecretRule(p.Item2.Item2, p.Item2.Item3))));

    static readonly Gen<Request> RequestGen = Gen.Select(
        Gen.Int[0, 3], Gen.Int[0, Secrets.Length], Gen.OneOf(Paths), Gen.Int[0, 3], Gen.OneOf(RequestOrigins), Gen.OneOf(UserAgents),
        (kind, secret, path, originKind, origin, ua) => new Request(
            kind == 0 ? $"/_p/{(secret < Secrets.Length ? Secrets[secret] : "not-a-secret")}{(path == "/" ? "" : path)}" : path,
            originKind == 1 ? origin : null,
            originKind == 2 ? origin + "/watch?x=1" : null,
            ua));

    [Fact]
    public void The_function_decides_like_the_reference_model_over_random_rules_and_requests()
    {
        using var store = new TestStore();
        var written = new List<string>();

        // One store for the whole run, rewritten per sample: samples must not run in parallel.
        Gen.Select(RulesGen, RequestGen.Array[12]).Sample((rules, requests) =>
        {
            var items = rules.Items();
            store.WriteAsync(items, written.Except(items.Select(i => i.Key)).ToList()).GetAwaiter().GetResult();
            written = items.Select(i => i.Key).ToList();

            foreach (var request in requests)
            {
                var expected = Decide(rules, request);
                var outcome = request.Run(store.Store);
                var describe = $"{request} under {string.Join(" ", items.Select(i => i.Key + "=" + i.Value))}";

                (outcome.Action == EdgeAction.Pass).ShouldBe(expected.Pass, describe);
                outcome.KvsReads.ShouldBe(expected.Reads, describe);
                if (expected.Pass) outcome.Uri.ShouldBe(expected.Uri, describe);
                else outcome.Header("x-allowlist-reason").ShouldBe(expected.Reason, describe);
                var logged = outcome.Logs.SingleOrDefault();
                if (expected.Pass && expected.Reason is not null) logged.ShouldNotBeNull(describe).ShouldContain($"\"reason\":\"{expected.Reason}\"");
                if (expected.Pass && expected.Reason is null) logged.ShouldBeNull(describe);
            }
        }, iter: 150, threads: 1);
    }

    /// <summary>function/README.md §3, written independently of the JavaScript.</summary>
    static Expected Decide(Rules rules, Request request)
    {
        var reads = 1;
        string? stripped = null;
        Expected Pass() => new(true, stripped ?? request.Uri, null, reads);
        Expected Deny(string reason)
        {
            var passes = (reason == "error" && rules.Fail == "open") || rules.Mode == "report";
            return new(passes, stripped ?? request.Uri, reason, reads);
        }

        string? secret = null;
        if (request.Uri.StartsWith("/_p/", StringComparison.Ordinal))
        {
            var rest = request.Uri["/_p/".Length..];
            var slash = rest.IndexOf('/');
            secret = slash < 0 ? rest : rest[..slash];
            stripped = slash < 0 ? "/" : rest[slash..];
        }
        if (rules.Mode == "off") return Pass();

        if (secret is not null)
        {
            if (!Secrets.Contains(secret)) return Deny("secret-format");
            reads++;
            if (!rules.SecretRules.TryGetValue(secret, out var rule)) return Deny("secret-unknown");
            if (rule.Exp != 0 && Now >= rule.Exp) return Deny("secret-expired");
            if (rule.Scope == "all") return Pass();
            if (Ambiguous(stripped!)) return Deny("uri-ambiguous");
            var name = stripped![(stripped!.LastIndexOf('/') + 1)..];
            var manifest = new[] { ".m3u8", ".mpd", ".mp4" }.Any(e => name.Length > e.Length && name.EndsWith(e, StringComparison.OrdinalIgnoreCase))
                && name.All(ch => char.IsAsciiLetterOrDigit(ch) || "._~-".Contains(ch));
            return manifest ? Pass() : Deny("secret-scope");
        }

        if (rules.Public && (request.Uri == "/healthz" || request.Uri.StartsWith("/healthz/", StringComparison.Ordinal)))
            return Ambiguous(request.Uri) ? Deny("uri-ambiguous") : Pass();

        var presented = request.Origin ?? request.Referer;
        var allowRequired = presented is null && rules.NoOrigin == "ua";
        if (presented is null)
        {
            if (rules.NoOrigin == "deny") return Deny("no-origin");
        }
        else
        {
            if (!Uri.TryCreate(presented, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")) return Deny("origin-invalid");
            var origin = $"{url.Scheme}://{url.Host}{(url.IsDefaultPort ? "" : ":" + url.Port)}";
            var hostLabels = url.Host.Split('.');
            var candidates = new List<string> { origin };
            for (var k = 1; k <= rules.Wild && hostLabels.Length - k >= 2; k++)
                candidates.Add($"{url.Scheme}://*.{string.Join('.', hostLabels[k..])}{(url.IsDefaultPort ? "" : ":" + url.Port)}");
            var allowed = false;
            var sawExpired = false;
            foreach (var candidate in candidates)
            {
                reads++;
                var state = rules.Origins.GetValueOrDefault(candidate);
                if (state == 6) return Deny("error");
                if (state is 2 or 4 or 5) { allowed = true; break; }
                if (state == 3) sawExpired = true;
            }
            if (!allowed) return Deny(sawExpired ? "origin-expired" : "origin-unknown");
        }

        // Deny rules for every request here; allow rules only for a request without Origin and Referer under noOrigin ua.
        var matchedAllow = false;
        foreach (var shard in rules.Shards)
        {
            reads++;
            if (shard.Deny.Any(t => request.UserAgent.Contains(t, StringComparison.OrdinalIgnoreCase))) return Deny("ua-denied");
            matchedAllow |= shard.Allow.Any(t => request.UserAgent.Contains(t, StringComparison.OrdinalIgnoreCase));
        }
        return allowRequired && !matchedAllow ? Deny("ua-not-allowed") : Pass();
    }

    /// <summary>
    /// README §3, not plain: a character outside the allowlist (a '%' other than in %20, ';', '\\', ':',
    /// whitespace, anything non-ASCII), an empty segment, or a segment of dots and spaces only.
    /// </summary>
    static bool Ambiguous(string uri)
    {
        if (!uri.StartsWith('/') || uri.Contains(' ')) return true;
        var segments = uri[1..].Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var decoded = segments[i].Replace("%20", " ", StringComparison.Ordinal);
            if (decoded.Length == 0 && i == segments.Length - 1) continue;
            if (decoded.Length == 0 || decoded.All(ch => ch is '.' or ' ')) return true;
            if (!decoded.All(ch => char.IsAsciiLetterOrDigit(ch) || "-._~!$&'()*+,=@ ".Contains(ch))) return true;
        }
        return false;
    }
}
