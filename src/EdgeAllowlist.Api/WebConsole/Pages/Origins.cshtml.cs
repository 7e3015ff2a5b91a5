using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class OriginsModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    /// <summary>The plan is one lookup per line; more than this belongs in the API's bulk call or desired state.</summary>
    public const int MaxPaste = 500;

    public sealed record PlanLine(string Line, string Normalized, string Verdict, string? Reason);

    public string? Query { get; private set; }

    public List<JsonElement> Items { get; } = [];

    public bool More { get; private set; }

    public string? Lines { get; private set; }

    public List<PlanLine>? Plan { get; private set; }

    public async Task OnGetAsync(string? q) => await LoadAsync(q);

    async Task LoadAsync(string? q)
    {
        Query = q;
        var list = await Api("GET", "/v1/origins?limit=200" + (string.IsNullOrWhiteSpace(q) ? "" : "&contains=" + Escape(q.Trim())));
        if (!list.Ok)
        {
            Refused(list);
            return;
        }
        Items.AddRange(list.Json.Items());
        More = list.Json.Str("nextCursor").Length > 0;
    }

    public async Task<IActionResult> OnPostAddAsync(string? origin, string? expires, string? note)
    {
        var answer = await Api("POST", "/v1/origins", new { origin = origin ?? "", expiresAt = Utc(expires), note = string.IsNullOrWhiteSpace(note) ? null : note });
        if (answer.Ok)
            return Done($"Allowed {answer.Json.Str("origin")}.");
        Refused(answer);
        await LoadAsync(null);
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string? origin)
    {
        var answer = await Api("DELETE", "/v1/origins/" + Escape(origin ?? ""));
        if (answer.Ok)
            return Done($"Deleted {origin}.");
        Refused(answer);
        await LoadAsync(null);
        return Page();
    }

    /// <summary>Each line is looked up through the API, so the plan shows the API's own normalisation and refusals.</summary>
    public async Task<IActionResult> OnPostPreviewAsync(string? lines)
    {
        Lines = lines;
        var entries = Split(lines);
        if (entries.Count > MaxPaste)
        {
            Errors.Add($"At most {MaxPaste} lines at a time here; use POST /v1/origins/bulk or desired state for more.");
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }
        else
        {
            Plan = [];
            foreach (var line in entries)
            {
                var found = await Api("GET", "/v1/origins/" + Escape(line));
                Plan.Add(found.Status switch
                {
                    StatusCodes.Status200OK => new(line, found.Json.Str("origin"), "unchanged", found.Json.Bool("expired") ? "present but expired; adding again keeps its expiry, edit it through the API" : null),
                    StatusCodes.Status404NotFound => new(line, Normalized(found) ?? line, "add", null),
                    _ => new(line, "", "invalid", string.Join(" ", found.ProblemLines())),
                });
            }
        }
        await LoadAsync(null);
        return Page();
    }

    public async Task<IActionResult> OnPostApplyAsync(string? lines, string? idempotencyKey)
    {
        var origins = Split(lines).Select(o => new { origin = o }).ToList();
        var answer = await Api("POST", "/v1/origins/bulk", new { origins }, idempotencyKey);
        if (answer.Ok)
            return Done($"Bulk paste applied: {answer.Json.Long("added")} added, {answer.Json.Long("updated")} updated, {answer.Json.Long("unchanged")} unchanged.");
        Refused(answer);
        await LoadAsync(null);
        return Page();
    }

    static List<string> Split(string? lines) =>
        [.. (lines ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>A 404 names the origin as it would be stored, in its detail.</summary>
    static string? Normalized(ApiAnswer notFound)
    {
        var detail = notFound.Json.Str("detail");
        var start = detail.IndexOf("http", StringComparison.Ordinal);
        return start < 0 ? null : detail[start..].Split(' ')[0].TrimEnd('.');
    }

}
