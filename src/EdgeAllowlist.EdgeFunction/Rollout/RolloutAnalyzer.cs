using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeAllowlist.EdgeFunction.Rollout;

/// <summary>
/// What the rules of this project accept, as the admin API checks them, so that a suggestion is
/// always a change the API would take: never an invalid origin, never a wildcard over a public
/// suffix (<c>*.co.uk</c>, <c>*.cloudfront.net</c>), never a User-Agent pattern it refuses.
/// </summary>
public interface IRolloutRules
{
    /// <summary>The origin as the store keeps it, or null when it could not be added.</summary>
    string? AddableOrigin(string origin);

    /// <summary>Whether a wildcard origin such as <c>https://*.example.com</c> could be added.</summary>
    bool AddableWildcard(string wildcardOrigin);

    /// <summary>Whether an allow rule of kind substring with this pattern could be added.</summary>
    bool AddableUserAgentSubstring(string pattern);
}

/// <summary>The analysis of a log: counts, the top values by reason, the time span, and the rule changes that would turn recorded denials into passes.</summary>
public sealed record AnalysisDocument(
    long Total,
    SortedDictionary<string, long> ByReason,
    SortedDictionary<string, long> ByAction,
    IReadOnlyList<TopEntry> TopOrigins,
    IReadOnlyList<TopEntry> TopUserAgents,
    IReadOnlyList<TopEntry> TopPaths,
    IReadOnlyList<TopEntry> TopDistributions,
    DateTimeOffset? From,
    DateTimeOffset? To,
    long Skipped,
    bool Exact,
    IReadOnlyList<Suggestion> Suggestions,
    Timeline? Timeline);

/// <summary>Would-be denials over time by reason, in buckets of <c>bucketSeconds</c> (an hour, doubled as often as needed to stay within <see cref="RolloutAnalyzer.MaxBuckets"/>); null when the input has no times.</summary>
public sealed record Timeline(long BucketSeconds, IReadOnlyList<TimelineBucket> Buckets);

public sealed record TimelineBucket(DateTimeOffset Start, SortedDictionary<string, long> ByReason);

/// <summary>
/// One desired-state change. <c>patch</c> is a fragment of a desired-state document (origins or
/// userAgents entries) to merge into the rules file; <c>passes</c> counts the recorded denials it
/// would turn into passes.
/// </summary>
public sealed record Suggestion(string Kind, string Op, string Value, long Passes, SortedDictionary<string, long> Reasons, string Description, JsonObject Patch, string? Note = null);

/// <summary>
/// Streams the function's log lines into an <see cref="AnalysisDocument"/> in memory that does not
/// grow with the input: counters are per reason, and the top tables and suggestion candidates are
/// <see cref="TopCounter"/>s of fixed capacity.
/// </summary>
public sealed partial class RolloutAnalyzer(IRolloutRules rules, int capacity = RolloutAnalyzer.DefaultCapacity)
{
    public const int DefaultCapacity = 2048;

    /// <summary>Rows of each top table.</summary>
    public const int TopRows = 20;

    public const int MaxSuggestions = 50;

    /// <summary>Timeline buckets at most; a longer span widens them.</summary>
    public const int MaxBuckets = 500;

    /// <summary>Distinct hosts under one parent domain before a wildcard is suggested instead of each host.</summary>
    public const int WildcardHosts = 3;

    // Product names every browser or generic HTTP library sends; allowing one of them opens the door to all.
    static readonly HashSet<string> GenericProducts = new(StringComparer.OrdinalIgnoreCase)
    {
        "mozilla", "applewebkit", "chrome", "chromium", "safari", "gecko", "firefox", "version", "mobile", "edg", "edge", "opr", "opera",
        "khtml", "trident", "msie", "linux", "android", "dalvik", "curl", "wget", "python-requests", "python-urllib", "python", "aiohttp",
        "go-http-client", "okhttp", "java", "apache-httpclient", "libwww-perl", "postmanruntime", "axios", "node-fetch", "node", "undici",
        "httpie", "powershell", "ruby", "php", "guzzlehttp", "scrapy", "headlesschrome", "cfnetwork", "darwin",
    };

    readonly long[] byReason = new long[Reasons.All.Count];
    readonly SortedDictionary<string, long> byAction = new(StringComparer.Ordinal);
    readonly TopCounter origins = new(capacity);
    readonly TopCounter userAgents = new(capacity);
    readonly TopCounter paths = new(capacity);
    readonly TopCounter distributions = new(capacity);
    readonly TopCounter originCandidates = new(capacity);
    readonly TopCounter userAgentCandidates = new(capacity);
    readonly SortedDictionary<long, long[]> timeline = [];
    long bucketSeconds = 3600;
    long total;
    long skipped;
    DateTimeOffset? from;
    DateTimeOffset? to;

    public static Task<AnalysisDocument> AnalyzeAsync(Stream input, IRolloutRules rules, CancellationToken cancellationToken = default) =>
        AnalyzeAsync(LogInput.ReadAsync(input, cancellationToken), rules, cancellationToken);

    /// <summary>Messages from any source: a file, an upload, or CloudWatch Logs page by page.</summary>
    public static async Task<AnalysisDocument> AnalyzeAsync(IAsyncEnumerable<LogMessage> messages, IRolloutRules rules, CancellationToken cancellationToken = default)
    {
        var analyzer = new RolloutAnalyzer(rules);
        var parser = new FunctionLogParser();
        await foreach (var message in messages.WithCancellation(cancellationToken))
            analyzer.Add(parser, message);
        return analyzer.Build();
    }

    public void Add(FunctionLogParser parser, LogMessage message)
    {
        switch (parser.Parse(message, out var line))
        {
            case LineKind.Function:
                Add(line!);
                break;
            case LineKind.Foreign:
                skipped++;
                break;
        }
    }

    public void Add(FunctionLogLine line)
    {
        var reason = Reasons.Index(line.Reason);
        total++;
        byReason[reason]++;
        byAction[line.Action] = byAction.GetValueOrDefault(line.Action) + 1;
        origins.Add(line.Origin, reason);
        userAgents.Add(line.UserAgent, reason);
        paths.Add(line.Uri, reason);
        if (line.Distribution is { } distribution)
            distributions.Add(distribution, reason);
        if (line.At is { } at)
        {
            if (from is null || at < from)
                from = at;
            if (to is null || at > to)
                to = at;
            Count(at.ToUnixTimeSeconds(), reason);
        }
        if (line.Reason is "origin-unknown" or "origin-expired" && line.Origin.Length > 0)
            originCandidates.Add(line.Origin, reason);
        else if (line.Reason == "ua-not-allowed" && Product(line.UserAgent) is { } product)
            userAgentCandidates.Add(product, reason);
    }

    public AnalysisDocument Build() => new(
        total,
        new(Enumerable.Range(0, byReason.Length).Where(i => byReason[i] > 0).ToDictionary(i => Reasons.All[i], i => byReason[i]), StringComparer.Ordinal),
        byAction,
        origins.Top(TopRows),
        userAgents.Top(TopRows),
        paths.Top(TopRows),
        distributions.Top(TopRows),
        from,
        to,
        skipped,
        new[] { origins, userAgents, paths, distributions, originCandidates, userAgentCandidates }.All(c => c.Exact),
        [.. OriginSuggestions().Concat(UserAgentSuggestions()).OrderByDescending(s => s.Passes).ThenBy(s => s.Value, StringComparer.Ordinal).Take(MaxSuggestions)],
        BuildTimeline());

    void Count(long seconds, int reason)
    {
        var start = seconds - (seconds % bucketSeconds + bucketSeconds) % bucketSeconds;
        if (!timeline.TryGetValue(start, out var counts))
        {
            timeline[start] = counts = new long[Reasons.All.Count];
            if (timeline.Count > MaxBuckets)
            {
                // Twice as wide: each pair of buckets becomes one, so memory stays bounded whatever the span.
                bucketSeconds *= 2;
                var merged = timeline.GroupBy(b => b.Key - (b.Key % bucketSeconds + bucketSeconds) % bucketSeconds)
                    .ToDictionary(g => g.Key, g => g.Select(b => b.Value).Aggregate(new long[Reasons.All.Count], (sum, c) => { for (var i = 0; i < c.Length; i++) sum[i] += c[i]; return sum; }));
                timeline.Clear();
                foreach (var (key, value) in merged)
                    timeline[key] = value;
                Count(seconds, reason);
                return;
            }
        }
        counts[reason]++;
    }

    Timeline? BuildTimeline() => timeline.Count == 0 ? null : new(bucketSeconds, [.. timeline.Select(b => new TimelineBucket(DateTimeOffset.FromUnixTimeSeconds(b.Key),
        new(Enumerable.Range(0, b.Value.Length).Where(i => b.Value[i] > 0).ToDictionary(i => Reasons.All[i], i => b.Value[i]), StringComparer.Ordinal)))]);

    IEnumerable<Suggestion> OriginSuggestions()
    {
        // Spellings of one origin (case, default port) count together, under the form the store keys.
        var byOrigin = new Dictionary<string, (long Count, SortedDictionary<string, long> Reasons)>(StringComparer.Ordinal);
        foreach (var candidate in originCandidates.All.Where(c => Sure(c) > 0))
        {
            if (rules.AddableOrigin(candidate.Value) is not { } origin || origin.Contains('*'))
                continue;
            var (count, reasons) = byOrigin.GetValueOrDefault(origin, (0, new(StringComparer.Ordinal)));
            foreach (var (reason, n) in candidate.Reasons)
                reasons[reason] = reasons.GetValueOrDefault(reason) + n;
            byOrigin[origin] = (count + Sure(candidate), reasons);
        }
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in byOrigin.Keys.GroupBy(Parent).Where(g => g.Key is not null && g.Count() >= WildcardHosts))
        {
            var wildcard = group.Key!;
            if (!rules.AddableWildcard(wildcard))
                continue;
            var reasons = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (var origin in group)
            {
                covered.Add(origin);
                foreach (var (reason, n) in byOrigin[origin].Reasons)
                    reasons[reason] = reasons.GetValueOrDefault(reason) + n;
            }
            yield return OriginSuggestion(wildcard, group.Sum(o => byOrigin[o].Count), reasons,
                $"allow origin {wildcard} ({group.Count()} sites under it were denied: {string.Join(", ", group.Order(StringComparer.Ordinal).Take(3))}…)");
        }
        foreach (var (origin, (count, reasons)) in byOrigin.Where(o => !covered.Contains(o.Key)))
            yield return OriginSuggestion(origin, count, reasons, reasons.ContainsKey("origin-unknown") ? $"add origin {origin}" : $"renew origin {origin} (its rule expired)");
    }

    static Suggestion OriginSuggestion(string origin, long passes, SortedDictionary<string, long> reasons, string description) => new(
        "origin", reasons.ContainsKey("origin-unknown") ? "add" : "renew", origin, passes, reasons, description,
        new JsonObject { ["origins"] = new JsonArray(new JsonObject { ["origin"] = origin }) });

    /// <summary>
    /// The denials a candidate surely had: its count less the count it may have inherited when it took
    /// an evicted value's place, so <c>passes</c> never overstates (it is exact while <c>exact</c> is true).
    /// </summary>
    static long Sure(TopEntry candidate) => candidate.Count - (candidate.Error ?? 0);

    IEnumerable<Suggestion> UserAgentSuggestions() =>
        userAgentCandidates.All.Where(c => Sure(c) > 0 && rules.AddableUserAgentSubstring(c.Value)).Select(c => new Suggestion(
            "userAgent", "add", c.Value, Sure(c), c.Reasons,
            $"allow User-Agent {c.Value} (substring)",
            new JsonObject { ["userAgents"] = new JsonArray(new JsonObject { ["list"] = "allow", ["kind"] = "substring", ["pattern"] = c.Value }) },
            AllowRuleNote));

    /// <summary>function/README.md §3 step 6: allow rules are not only for requests without Origin.</summary>
    public const string AllowRuleNote = "Once any User-Agent allow rule exists, every request needs to match one, browsers with an Origin too: replay before applying.";

    /// <summary><c>https://*.b.example.com</c> for <c>https://a.b.example.com</c>: the wildcard one label up, while two labels remain after the <c>*</c>.</summary>
    static string? Parent(string origin)
    {
        var scheme = origin.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0 || origin.Contains('['))
            return null;
        var authority = origin[(scheme + 3)..];
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var port = colon < 0 ? "" : authority[colon..];
        var dot = host.IndexOf('.');
        if (dot < 0 || host[(dot + 1)..].Count(c => c == '.') < 1 || IsAddress(host))
            return null;
        return origin[..(scheme + 3)] + "*." + host[(dot + 1)..] + port;
    }

    static bool IsAddress(string host) => host.All(c => char.IsAsciiDigit(c) || c == '.');

    /// <summary>The first product name of a User-Agent that names an app or a player rather than a browser engine or an HTTP library.</summary>
    public static string? Product(string userAgent)
    {
        foreach (Match match in ProductToken().Matches(userAgent))
            if (!GenericProducts.Contains(match.Groups[1].Value))
                return match.Groups[1].Value;
        return null;
    }

    [GeneratedRegex(@"(?:^|[\s;(])([A-Za-z][A-Za-z0-9._-]{2,63})/[A-Za-z0-9.]")]
    private static partial Regex ProductToken();
}
