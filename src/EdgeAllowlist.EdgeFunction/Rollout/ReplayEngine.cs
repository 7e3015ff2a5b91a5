using System.Text.Json.Nodes;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction.Rollout;

/// <summary>What enforcing a candidate rule set would do to the recorded denials, and whether that is safe.</summary>
public sealed record ReplayDocument(
    long Total,
    long Replayed,
    long Kept,
    long Skipped,
    ReplayGroup NowPass,
    ReplayGroup StillDenied,
    long AttackLike,
    long WouldBlock,
    long Threshold,
    bool SafeToEnforce,
    string Verdict,
    IReadOnlyList<ReplayExample> BlockedLines,
    DateTimeOffset? From,
    DateTimeOffset? To);

/// <summary>Counts by reason: for <c>nowPass</c> the recorded reason, for <c>stillDenied</c> the reason the candidate rules give.</summary>
public sealed record ReplayGroup(long Total, SortedDictionary<string, ReplayReason> ByReason);

public sealed record ReplayReason(long Count, List<ReplayExample> Examples);

/// <summary>
/// One recorded request: its line in the input, the reason it was logged with and the one it gets
/// now. <c>replayed</c> is false for a request the log cannot rebuild (a partner request, whose
/// secret the log masks; several Origin values, of which the log keeps one): its recorded outcome stands.
/// </summary>
public sealed record ReplayExample(long Line, string RecordedReason, string Reason, string Uri, string Origin, string UserAgent, bool Replayed);

/// <summary>
/// Rebuilds each recorded request from its log line and runs it through the real function file on
/// a store holding the candidate rules, in <c>enforce</c> mode with the reason header on whatever
/// the candidate says, so each outcome is what enforcing the candidate would do.
/// </summary>
public sealed class ReplayEngine
{
    public const int ExamplesPerReason = 3;

    public const int MaxBlockedLines = 20;

    // Many recorded requests repeat (one player fetching segment after segment); their decision is the same.
    const int MaxCachedDecisions = 8192;

    readonly EdgeFunctionRuntime runtime;
    readonly CandidateStore store;
    readonly DateTimeOffset now;
    readonly long threshold;
    readonly string partnerPrefix;
    readonly Dictionary<string, string?> decisions = new(StringComparer.Ordinal);
    readonly SortedDictionary<string, ReplayReason> nowPass = new(StringComparer.Ordinal);
    readonly SortedDictionary<string, ReplayReason> stillDenied = new(StringComparer.Ordinal);
    readonly List<ReplayExample> blocked = [];
    long total;
    long replayed;
    long skipped;
    long attackLike;
    long wouldBlock;
    DateTimeOffset? from;
    DateTimeOffset? to;

    /// <param name="candidate">The store's keys and values as the candidate rules would write them.</param>
    /// <param name="threshold">How many recorded requests that are not attack-like enforcing may still block and be called safe.</param>
    public ReplayEngine(EdgeFunctionRuntime runtime, IReadOnlyDictionary<string, string> candidate, long threshold, DateTimeOffset now)
    {
        this.runtime = runtime;
        this.threshold = threshold;
        this.now = now;
        store = new CandidateStore(Enforcing(candidate));
        var marker = "_p";
        try
        {
            if (candidate.TryGetValue("cfg", out var cfg) && JsonNode.Parse(cfg)?["marker"]?.GetValue<string>() is { Length: > 0 } m)
                marker = m;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            // An unreadable cfg denies everything; the replay shows that as reason cfg.
        }
        partnerPrefix = "/" + marker + "/";
    }

    public static Task<ReplayDocument> ReplayAsync(Stream input, EdgeFunctionRuntime runtime, IReadOnlyDictionary<string, string> candidate, long threshold,
        DateTimeOffset now, CancellationToken cancellationToken = default) =>
        ReplayAsync(LogInput.ReadAsync(input, cancellationToken), runtime, candidate, threshold, now, cancellationToken);

    public static async Task<ReplayDocument> ReplayAsync(IAsyncEnumerable<LogMessage> messages, EdgeFunctionRuntime runtime, IReadOnlyDictionary<string, string> candidate,
        long threshold, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var engine = new ReplayEngine(runtime, candidate, threshold, now);
        var parser = new FunctionLogParser();
        await foreach (var message in messages.WithCancellation(cancellationToken))
        {
            switch (parser.Parse(message, out var line))
            {
                case LineKind.Function:
                    engine.Add(line!, cancellationToken);
                    break;
                case LineKind.Foreign:
                    engine.Skip();
                    break;
            }
        }
        return engine.Build();
    }

    public void Skip() => skipped++;

    public void Add(FunctionLogLine line, CancellationToken cancellationToken = default)
    {
        total++;
        if (line.At is { } at)
        {
            if (from is null || at < from)
                from = at;
            if (to is null || at > to)
                to = at;
        }
        var replayable = !line.Uri.StartsWith(partnerPrefix, StringComparison.Ordinal) && line.Reason != "origin-invalid" && line.Uri.StartsWith('/');
        string? reason;
        if (replayable)
        {
            replayed++;
            reason = Decide(line, cancellationToken);
        }
        else
            reason = line.Reason;
        var example = new ReplayExample(line.Line, line.Reason, reason ?? "", line.Uri, line.Origin, line.UserAgent, replayable);
        if (reason is null)
        {
            Count(nowPass, line.Reason, example);
            return;
        }
        Count(stillDenied, reason, example);
        if (Reasons.AttackLike.Contains(reason))
            attackLike++;
        else
        {
            wouldBlock++;
            if (blocked.Count < MaxBlockedLines)
                blocked.Add(example);
        }
    }

    public ReplayDocument Build()
    {
        var safe = wouldBlock <= threshold;
        var verdict = wouldBlock == 0
            ? $"safe to enforce: every one of the {stillDenied.Values.Sum(r => r.Count)} denials left is attack-like"
            : safe
                ? $"safe to enforce: {wouldBlock} recorded requests that are not attack-like would be blocked, within the threshold of {threshold}"
                : $"not safe to enforce: {wouldBlock} recorded requests that are not attack-like would be blocked (threshold {threshold}), first line {blocked[0].Line}: {blocked[0].Reason} {blocked[0].Uri}";
        return new(total, replayed, total - replayed, skipped, Group(nowPass), Group(stillDenied), attackLike, wouldBlock, threshold, safe, verdict, blocked, from, to);
    }

    static ReplayGroup Group(SortedDictionary<string, ReplayReason> byReason) => new(byReason.Values.Sum(r => r.Count), byReason);

    static void Count(SortedDictionary<string, ReplayReason> group, string reason, ReplayExample example)
    {
        if (!group.TryGetValue(reason, out var bucket))
            group[reason] = bucket = new(0, []);
        if (bucket.Examples.Count < ExamplesPerReason)
            bucket.Examples.Add(example);
        group[reason] = bucket with { Count = bucket.Count + 1 };
    }

    /// <summary>The reason the candidate denies the request with, or null when it passes.</summary>
    string? Decide(FunctionLogLine line, CancellationToken cancellationToken)
    {
        var key = string.Join('\0', line.Uri, line.Origin, line.UserAgent);
        if (decisions.TryGetValue(key, out var cached))
            return cached;
        var headers = new List<KeyValuePair<string, string>>();
        // The log keeps the origin the function used, from Origin or from Referer; as Origin it decides the same.
        if (line.Origin.Length > 0)
            headers.Add(new("origin", line.Origin));
        if (line.UserAgent.Length > 0)
            headers.Add(new("user-agent", line.UserAgent));
        var outcome = runtime.Run(EdgeEvent.ViewerRequest(line.Uri, headers), store, now, cancellationToken);
        var reason = outcome.Action switch
        {
            EdgeAction.Pass => null,
            // Without a usable cfg the reason header is off, but the function logs the reason cfg (function/README.md §6).
            EdgeAction.Respond => outcome.Header("x-allowlist-reason") ?? LoggedReason(outcome.Logs) ?? "error",
            _ => "error",
        };
        if (decisions.Count >= MaxCachedDecisions)
            decisions.Clear();
        decisions[key] = reason;
        return reason;
    }

    static string? LoggedReason(IReadOnlyList<string> logs)
    {
        var parser = new FunctionLogParser();
        foreach (var log in logs)
            if (parser.Parse(new(0, log, null), out var line) == LineKind.Function)
                return line!.Reason;
        return null;
    }

    /// <summary>The candidate's <c>cfg</c> with <c>mode</c> enforce and <c>reason</c> on; everything else as the candidate has it.</summary>
    static Dictionary<string, string> Enforcing(IReadOnlyDictionary<string, string> candidate)
    {
        var items = new Dictionary<string, string>(candidate, StringComparer.Ordinal);
        try
        {
            if (items.TryGetValue("cfg", out var cfg) && JsonNode.Parse(cfg) is JsonObject policy)
            {
                policy["mode"] = "enforce";
                policy["reason"] = true;
                policy["log"] = false;
                items["cfg"] = policy.ToJsonString();
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Left as it is: the function denies every request with reason cfg, and the replay says so.
        }
        return items;
    }
}

/// <summary>A read-only store of the given keys, for runs of the function that must not touch a real one.</summary>
public sealed class CandidateStore(IReadOnlyDictionary<string, string> items) : IKeyValueStore
{
    const string Arn = "arn:aws:cloudfront::000000000000:key-value-store/candidate";

    public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new StoreDescription(Arn, items.Count, items.Sum(i => KvsLimits.ByteCount(i.Key) + KvsLimits.ByteCount(i.Value)), "candidate", DateTimeOffset.UnixEpoch, null, "READY"));

    public Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Task.FromResult(items.TryGetValue(key, out var value) ? new KeyValueItem(key, value) : null);

    public Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new KeyPage([.. items.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => new KeyValueItem(i.Key, i.Value))], null));

    public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("A replay never writes to the store.");
}
