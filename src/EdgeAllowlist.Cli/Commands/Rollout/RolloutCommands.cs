using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Aws;
using EdgeAllowlist.Aws.CloudWatchLogs;
using EdgeAllowlist.Cli.Commands.Rules;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.EdgeFunction.Rollout;
using EdgeAllowlist.Rules.DesiredState;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Rollout;

/// <summary>
/// <c>rollout analyze</c> and <c>rollout replay</c>: from report mode to enforce on evidence. Both
/// run the same engine as the API's rollout routes (<c>EdgeAllowlist.EdgeFunction.Rollout</c>) with
/// the API's own rules for origins, User-Agent patterns and desired-state documents, locally: the
/// log never leaves this machine.
/// </summary>
static class RolloutCommands
{
    /// <summary>replay: enforcing the candidate would block more recorded requests that are not attack-like than the threshold.</summary>
    public const int NotSafe = ExitCodes.RolloutNotSafe;

    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var logFile = new Argument<string?>("logfile") { Description = "The function's log: NDJSON, CloudWatch lines, or the JSON of aws logs filter-log-events", Arity = ArgumentArity.ZeroOrOne };
        var cloudWatch = new Option<string?>("--cloudwatch") { Description = "Read the log group /aws/cloudfront/function/<FUNCTION_NAME> in us-east-1 instead of a file" };
        var since = new Option<string>("--since") { Description = "Start of the window: a duration back from now (24h, 90m, 7d) or a UTC time (2026-11-30T00:00:00Z)", DefaultValueFactory = _ => "24h" };
        var until = new Option<string?>("--until") { Description = "End of the window: a UTC time (default: now)" };
        var endpoint = new Option<Uri>("--logs-endpoint")
        {
            Description = "CloudWatch Logs endpoint (for tests and proxies)",
            DefaultValueFactory = _ => CloudWatchLogsClient.DefaultEndpoint,
            CustomParser = CommonOptions.AbsoluteUri,
        };
        var into = new Option<string?>("--into") { Description = "Add every suggestion to this desired-state file (.yaml, .yml or .json); review it, replay it, then rules plan/apply it" };
        var rules = new Option<string>("--rules") { Description = "Candidate desired-state file (.yaml, .yml or .json)", Required = true };
        var threshold = new Option<long>("--threshold") { Description = "Recorded requests that are not attack-like enforcing may block and still be called safe", DefaultValueFactory = _ => 0 };

        var analyze = new Command("analyze", "Count the would-be denials of report mode by reason, origin, User-Agent and path, and suggest the rules that would let the legitimate ones through")
        {
            logFile, cloudWatch, since, until, endpoint, into,
        };
        analyze.SetAction(options, environment, async (parse, output, ct) =>
        {
            if (Source(parse, logFile, cloudWatch, since, until, output, out var window) is not { } source)
                return ExitCodes.InvalidInput;
            try
            {
                var messages = await OpenAsync(source, window, parse.GetRequiredValue(endpoint), environment, ct);
                var document = await RolloutAnalyzer.AnalyzeAsync(messages, RolloutRules.Instance, ct);
                if (parse.GetValue(into) is { } rulesFile)
                {
                    var added = await MergeAsync(rulesFile, document.Suggestions, ct);
                    output.Progress($"added {added} suggestions to [bold]{Markup.Escape(rulesFile)}[/]: review the file, then [bold]rollout replay --rules {Markup.Escape(rulesFile)}[/]");
                }
                output.Result(document, console => RenderAnalysis(console, document));
                return ExitCodes.Ok;
            }
            catch (Exception e) when (Failure(e, output) is { } code)
            {
                return code;
            }
        });

        var replay = new Command("replay", "Run the recorded requests through the function on candidate rules in enforce mode: what would now pass, what would still be denied, and whether enforcing is safe")
        {
            rules, logFile, cloudWatch, since, until, endpoint, threshold,
        };
        replay.SetAction(options, environment, async (parse, output, ct) =>
        {
            if (Source(parse, logFile, cloudWatch, since, until, output, out var window) is not { } source)
                return ExitCodes.InvalidInput;
            try
            {
                var rulesFile = parse.GetRequiredValue(rules);
                var document = await DesiredStateFile.ReadAsync(rulesFile, ct);
                var (read, problem) = DesiredStateRules.Read(document.ToJsonString(), "rules");
                var (candidate, errors) = read is null ? (null, [problem!]) : DesiredStateRules.Compile(read, "rules");
                if (candidate is null)
                    return output.Fail(ExitCodes.InvalidInput, "InvalidRules", $"{rulesFile}: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
                var messages = await OpenAsync(source, window, parse.GetRequiredValue(endpoint), environment, ct);
                var result = await ReplayEngine.ReplayAsync(messages, EdgeFunctionRuntime.Load(), candidate, parse.GetValue(threshold), environment.Clock.GetUtcNow(), ct);
                output.Result(result, console => RenderReplay(console, result));
                return result.SafeToEnforce ? ExitCodes.Ok : NotSafe;
            }
            catch (Exception e) when (Failure(e, output) is { } code)
            {
                return code;
            }
        });

        return new Command("rollout", "From report mode to enforce on evidence: analyse the function's log, then replay it against candidate rules") { analyze, replay };
    }

    sealed record Input(string? File, string? FunctionName);

    static Input? Source(ParseResult parse, Argument<string?> logFile, Option<string?> cloudWatch, Option<string> since, Option<string?> until, CommandOutput output,
        out (DateTimeOffset Start, DateTimeOffset End) window)
    {
        window = default;
        var file = parse.GetValue(logFile);
        var function = parse.GetValue(cloudWatch);
        if (file is null == function is null)
        {
            output.Fail(ExitCodes.InvalidInput, "NoLog", "Give a log file or --cloudwatch FUNCTION_NAME (one of them).");
            return null;
        }
        if (file is not null && !File.Exists(file))
        {
            output.Fail(ExitCodes.InvalidInput, "NoSuchFile", $"{file} does not exist.");
            return null;
        }
        var now = DateTimeOffset.UtcNow;
        var end = parse.GetValue(until) is { } u ? Time(u, now) : now;
        var start = Time(parse.GetRequiredValue(since), end);
        if (start is null || end is null || start >= end)
        {
            output.Fail(ExitCodes.InvalidInput, "InvalidWindow", "--since is a duration (24h, 90m, 7d) or a UTC time, --until a UTC time after it.");
            return null;
        }
        window = (start.Value, end.Value);
        return new(file, function);
    }

    /// <summary>A duration back from <paramref name="from"/> (<c>90s</c>, <c>30m</c>, <c>24h</c>, <c>7d</c>) or an ISO 8601 time.</summary>
    static DateTimeOffset? Time(string text, DateTimeOffset? from)
    {
        if (text.Length > 1 && long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && from is { } reference)
        {
            var span = text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), 'd' => TimeSpan.FromDays(n), _ => (TimeSpan?)null };
            return span is { } s ? reference - s : null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    static async Task<IAsyncEnumerable<LogMessage>> OpenAsync(Input input, (DateTimeOffset Start, DateTimeOffset End) window, Uri endpoint, CliEnvironment environment, CancellationToken ct)
    {
        if (input.File is { } file)
            return FromFile(file, ct);
        // The option's default stands for "not given": then the endpoint variables apply, as in every AWS SDK.
        if (endpoint == CloudWatchLogsClient.DefaultEndpoint)
            endpoint = AwsEndpoints.Configured(AwsEndpoints.CloudWatchLogs, environment.Variables) ?? endpoint;
        var client = new CloudWatchLogsClient(environment.Http, endpoint, await environment.Credentials(), environment.Clock, environment.AwsRetry);
        // Progress only where a person watches: stderr on a terminal, never into a pipe or a JSON result.
        var progress = ReferenceEquals(environment.Error, Console.Error) && !Console.IsErrorRedirected
            ? new Progress<(int Pages, long Events)>(p => environment.Error.Write($"\rCloudWatch Logs: {p.Pages} pages, {p.Events:N0} events"))
            : null;
        return client.FilterLogEventsAsync(CloudWatchLogsClient.FunctionLogGroup(input.FunctionName!), window.Start, window.End, progress, ct)
            .Select(e => new LogMessage(e.Number, e.Text, e.TimestampMs));
    }

    static async IAsyncEnumerable<LogMessage> FromFile(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        await foreach (var message in LogInput.ReadAsync(stream, ct))
            yield return message;
    }

    static int? Failure(Exception e, CommandOutput output) => e switch
    {
        CloudWatchLogsException cw => output.Fail(ExitCodes.ServiceError, cw.ErrorCode, $"CloudWatch Logs answered {(int)cw.StatusCode}: {cw.Message}",
            cw.ErrorCode == "ResourceNotFoundException" ? "check the function name: its log group exists only once the LIVE function has served traffic" : null),
        IOException io => output.Fail(ExitCodes.InvalidInput, "UnreadableFile", io.Message),
        _ => null,
    };

    /// <summary>Adds the suggestions to a desired-state file (created when missing).</summary>
    static async Task<int> MergeAsync(string path, IReadOnlyList<Suggestion> suggestions, CancellationToken ct)
    {
        var document = File.Exists(path) ? await DesiredStateFile.ReadAsync(path, ct) : new JsonObject { ["version"] = 1 };
        var added = SuggestionPatch.Merge(document, suggestions.Select(s => s.Patch));
        await DesiredStateFile.WriteAsync(path, document, ct);
        return added;
    }

    static void RenderAnalysis(IAnsiConsole console, AnalysisDocument d)
    {
        console.MarkupLine($"[bold]{d.Total:N0}[/] lines of the function, {d.Skipped:N0} other lines skipped" +
            (d.From is { } from ? $", {from:u} to {d.To:u}" : "") + (d.Exact ? "" : " [yellow](top tables approximate: more distinct values than tracked)[/]"));
        var reasons = new Table().AddColumns("reason", "count", "attack-like");
        foreach (var (reason, count) in d.ByReason.OrderByDescending(r => r.Value))
            reasons.AddRow(reason, count.ToString("N0", CultureInfo.InvariantCulture), Reasons.AttackLike.Contains(reason) ? "yes" : "");
        console.Write(reasons);
        foreach (var (title, rows) in new[] { ("origin", d.TopOrigins), ("User-Agent", d.TopUserAgents), ("path", d.TopPaths) })
        {
            var table = new Table().AddColumns(title, "count", "reasons");
            foreach (var row in rows.Take(10))
                table.AddRow(Markup.Escape(row.Value.Length == 0 ? "(none)" : row.Value), row.Count.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(string.Join(", ", row.Reasons.Select(r => $"{r.Key} {r.Value}"))));
            console.Write(table);
        }
        var suggestions = new Table().AddColumns("suggestion", "passes");
        foreach (var s in d.Suggestions)
            suggestions.AddRow(Markup.Escape(s.Description), s.Passes.ToString("N0", CultureInfo.InvariantCulture));
        console.Write(suggestions);
        if (d.Suggestions.FirstOrDefault(s => s.Note is not null) is { Note: { } note })
            console.MarkupLine($"[yellow]note[/] {Markup.Escape(note)}");
    }

    static void RenderReplay(IAnsiConsole console, ReplayDocument r)
    {
        console.MarkupLine($"[bold]{r.Total:N0}[/] recorded denials: {r.Replayed:N0} replayed through the function, {r.Kept:N0} kept as recorded (partner requests, several origins)");
        var table = new Table().AddColumns("outcome", "reason", "count", "example");
        foreach (var (name, group) in new[] { ("now passes", r.NowPass), ("still denied", r.StillDenied) })
            foreach (var (reason, bucket) in group.ByReason.OrderByDescending(b => b.Value.Count))
                table.AddRow(name, reason + (name == "still denied" && Reasons.AttackLike.Contains(reason) ? " (attack-like)" : ""), bucket.Count.ToString("N0", CultureInfo.InvariantCulture),
                    Markup.Escape(bucket.Examples.FirstOrDefault() is { } e ? $"line {e.Line}: {e.Uri} {e.Origin} {e.UserAgent}" : ""));
        console.Write(table);
        if (r.BlockedLines.Count > 0)
        {
            var blocked = new Table().AddColumns("line", "reason", "uri", "origin", "User-Agent");
            foreach (var e in r.BlockedLines)
                blocked.AddRow(e.Line.ToString(CultureInfo.InvariantCulture), e.Reason, Markup.Escape(e.Uri), Markup.Escape(e.Origin), Markup.Escape(e.UserAgent));
            console.Write(blocked);
        }
        console.MarkupLine(r.SafeToEnforce ? $"[green]{Markup.Escape(r.Verdict)}[/]" : $"[red]{Markup.Escape(r.Verdict)}[/]");
    }
}
