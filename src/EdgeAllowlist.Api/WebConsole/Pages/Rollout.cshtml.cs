using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.EdgeFunction.Rollout;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

/// <summary>
/// Report mode to enforce with evidence: a log file goes to <c>POST /v1/rollout/analyze</c> as it is,
/// the answer is drawn (denials over time by reason, the top tables), and the suggestions chosen are
/// merged into the exported desired state and planned by <c>POST /v1/desired-state/plan</c>; apply
/// names the reviewed plan's digest, so it runs only if the plan is still exactly that.
/// </summary>
public sealed class RolloutModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    public JsonElement Settings { get; private set; }

    public JsonElement? Analysis { get; private set; }

    public JsonElement? Plan { get; private set; }

    public JsonElement? Replay { get; private set; }

    /// <summary>The patches the plan was made from, posted again to apply it.</summary>
    public IReadOnlyList<string> Patches { get; private set; } = [];

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAnalyzeAsync(IFormFile? log)
    {
        if (!await LoadAsync())
            return Page();
        if (log is null || log.Length == 0)
        {
            Errors.Add("log: choose the function's log file (NDJSON, or the JSON that aws logs filter-log-events prints).");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        await using var body = log.OpenReadStream();
        var answer = await ApiUpload("/v1/rollout/analyze", body, "application/octet-stream", log.Length);
        if (answer.Ok)
            Analysis = answer.Json;
        else
            Refused(answer);
        return Page();
    }

    /// <summary>
    /// The log replayed against a candidate rules file (desired-state JSON), or the rules in force
    /// when none is given, by <c>POST /v1/rollout/replay</c>: both parts streamed, rules first as the route reads them.
    /// </summary>
    public async Task<IActionResult> OnPostReplayAsync(IFormFile? log, IFormFile? rules, string? threshold)
    {
        if (!await LoadAsync())
            return Page();
        if (log is null || log.Length == 0)
        {
            Errors.Add("log: choose the function's log file to replay.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        HttpContent candidate;
        if (rules is { Length: > 0 })
            candidate = new StreamContent(rules.OpenReadStream());
        else
        {
            var export = await Api("GET", "/v1/desired-state");
            if (!export.Ok)
            {
                Refused(export);
                return Page();
            }
            candidate = new ByteArrayContent(export.Body);
        }
        candidate.Headers.ContentType = new("application/json");
        using var form = new MultipartFormDataContent { { candidate, "rules", "rules.json" }, { new StreamContent(log.OpenReadStream()), "log", "log" } };
        await using var body = await form.ReadAsStreamAsync();
        var query = string.IsNullOrWhiteSpace(threshold) ? "" : $"?threshold={Escape(threshold.Trim())}";
        var answer = await ApiUpload("/v1/rollout/replay" + query, body, form.Headers.ContentType!.ToString(), form.Headers.ContentLength);
        if (answer.Ok)
            Replay = answer.Json;
        else
            Refused(answer);
        return Page();
    }

    public async Task<IActionResult> OnPostPlanAsync(string[]? patch)
    {
        if (!await LoadAsync())
            return Page();
        var document = await MergedAsync(patch);
        if (document is null)
            return Page();
        var answer = await Api("POST", "/v1/desired-state/plan", document);
        if (answer.Ok)
        {
            Plan = answer.Json;
            Patches = patch!;
        }
        else
            Refused(answer);
        return Page();
    }

    public async Task<IActionResult> OnPostApplyAsync(string[]? patch, string? planDigest)
    {
        if (!await LoadAsync())
            return Page();
        var document = await MergedAsync(patch);
        if (document is null)
            return Page();
        var answer = await Api("POST", "/v1/desired-state/apply", document, ifMatch: planDigest ?? "");
        if (!answer.Ok)
        {
            Refused(answer);
            return Page();
        }
        var counts = answer.Json.Get("plan").Get("counts");
        return Done($"Plan applied: {counts.Long("additions")} added, {counts.Long("changes")} changed, {counts.Long("deletions")} deleted. Replay or watch the log before switching to enforce.");
    }

    /// <summary>The current settings; the page is the rules reader's, so the API's refusal (403) is the page's answer.</summary>
    async Task<bool> LoadAsync()
    {
        var settings = await Api("GET", "/v1/settings");
        if (!settings.Ok)
        {
            Refused(settings);
            return false;
        }
        Settings = settings.Json;
        return true;
    }

    /// <summary>The exported desired state with the chosen suggestions' patches merged in; null (with the reason shown) when there is nothing to plan.</summary>
    async Task<JsonObject?> MergedAsync(string[]? patches)
    {
        List<JsonObject> parsed = [];
        foreach (var text in patches ?? [])
        {
            try
            {
                if (JsonNode.Parse(text) is JsonObject patch && patch.All(p => p.Key is "origins" or "userAgents" && p.Value is JsonArray))
                {
                    parsed.Add(patch);
                    continue;
                }
            }
            catch (JsonException)
            {
            }
            Errors.Add("patch: each suggestion is a desired-state fragment of origins and userAgents entries.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }
        if (parsed.Count == 0)
        {
            Errors.Add("patch: choose at least one suggestion.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return null;
        }
        var export = await Api("GET", "/v1/desired-state");
        if (!export.Ok)
        {
            Refused(export);
            return null;
        }
        var document = JsonNode.Parse(export.Body)!.AsObject();
        SuggestionPatch.Merge(document, parsed);
        return document;
    }

    public sealed record Bar(double X, double Y, double Width, double Height, long Count, string Start);

    public sealed record Series(string Reason, string Color, IReadOnlyList<Bar> Bars);

    public sealed record Chart(double Width, double Height, double Left, double Bottom, long Max, string From, string To, IReadOnlyList<Series> Series);

    // Colour-blind-safe (Okabe–Ito), repeated past eight reasons; the legend names each series as well.
    static readonly string[] Palette = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

    /// <summary>
    /// The timeline as stacked bars, one series per reason, one slot per bucket from the first to the
    /// last (empty hours stay empty, so the x axis is time).
    /// </summary>
    public static Chart? Draw(JsonElement analysis)
    {
        var timeline = analysis.Get("timeline");
        var size = Math.Max(1, timeline.Long("bucketSeconds"));
        var buckets = timeline.Items("buckets").Select(b => (Start: b.Time("start")!.Value, Counts: b.Get("byReason").EnumerateObject().ToDictionary(r => r.Name, r => r.Value.GetInt64()))).ToList();
        if (buckets.Count == 0)
            return null;
        var first = buckets[0].Start;
        var slots = (int)((buckets[^1].Start - first).TotalSeconds / size) + 1;
        var max = Math.Max(1, buckets.Max(b => b.Counts.Values.Sum()));
        const double Width = 720, Height = 220, Left = 44, Bottom = 24, Top = 8;
        var slot = (Width - Left) / slots;
        var reasons = buckets.SelectMany(b => b.Counts.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var stacked = new double[buckets.Count];
        var series = reasons.Select((reason, i) =>
        {
            List<Bar> bars = [];
            for (var b = 0; b < buckets.Count; b++)
            {
                if (!buckets[b].Counts.TryGetValue(reason, out var count) || count == 0)
                    continue;
                var h = (Height - Bottom - Top) * count / max;
                stacked[b] += h;
                var index = (buckets[b].Start - first).TotalSeconds / size;
                bars.Add(new(Round(Left + index * slot + slot * 0.1), Round(Height - Bottom - stacked[b]), Round(slot * 0.8), Round(h), count, buckets[b].Start.ToString("u", CultureInfo.InvariantCulture)));
            }
            return new Series(reason, Palette[i % Palette.Length], bars);
        }).ToList();
        return new(Width, Height, Left, Bottom, max, first.ToString("u", CultureInfo.InvariantCulture), buckets[^1].Start.AddSeconds(size).ToString("u", CultureInfo.InvariantCulture), series);
    }

    static double Round(double value) => Math.Round(value, 1);

    public static string Num(double value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Reasons(JsonElement row) => string.Join(", ", row.Get("reasons").EnumerateObject().Select(r => $"{r.Name} {r.Value}"));
}
