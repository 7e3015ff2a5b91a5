using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class AuditModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    public sealed record Filters(string? Actor, string? Action, string? Target, string? TargetPrefix, string? From, string? To);

    public Filters Filter { get; private set; } = new(null, null, null, null, null, null);

    public List<JsonElement> Items { get; } = [];

    public string? NextCursor { get; private set; }

    public JsonElement? Verification { get; private set; }

    public async Task OnGetAsync(string? actor, string? action, string? target, string? targetPrefix, string? from, string? to, string? cursor) =>
        await LoadAsync(new(actor, action, target, targetPrefix, from, to), cursor);

    async Task LoadAsync(Filters filter, string? cursor = null)
    {
        Filter = filter;
        var page = await Api("GET", "/v1/audit?limit=50&" + ApiQuery(filter) + (cursor is null ? "" : "&cursor=" + Escape(cursor)));
        if (!page.Ok)
        {
            Refused(page);
            return;
        }
        Items.AddRange(page.Json.Items());
        NextCursor = page.Json.Str("nextCursor");
    }

    public async Task<IActionResult> OnPostVerifyAsync(string? actor, string? action, string? target, string? targetPrefix, string? from, string? to)
    {
        var verification = await Api("GET", "/v1/audit/verify");
        if (verification.Ok)
            Verification = verification.Json;
        else
            Refused(verification);
        await LoadAsync(new(actor, action, target, targetPrefix, from, to));
        return Page();
    }

    /// <summary>The API's export, streamed to the browser as a file download.</summary>
    public async Task<IActionResult> OnGetExportAsync(string? format, string? actor, string? action, string? target, string? targetPrefix, string? from, string? to)
    {
        var filter = new Filters(actor, action, target, targetPrefix, from, to);
        var export = await Api("GET", $"/v1/audit/export?format={Escape(format ?? "ndjson")}&" + ApiQuery(filter));
        if (!export.Ok)
        {
            Refused(export);
            await LoadAsync(filter);
            return Page();
        }
        return File(export.Body, export.Header("Content-Type") ?? "application/octet-stream", $"audit.{(format == "csv" ? "csv" : "ndjson")}");
    }

    /// <summary>The filters as this page's own query string (for the export and paging links).</summary>
    public string FilterQuery() => string.Join('&', Pairs(Filter, utc: false).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));

    static string ApiQuery(Filters filter) => string.Join('&', Pairs(filter, utc: true).Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));

    static IEnumerable<(string Name, string Value)> Pairs(Filters f, bool utc)
    {
        foreach (var (name, value) in new[] { ("actor", f.Actor), ("action", f.Action), ("target", f.Target), ("targetPrefix", f.TargetPrefix), ("from", f.From), ("to", f.To) })
        {
            if (string.IsNullOrWhiteSpace(value))
                continue;
            if (utc && name is "from" or "to" && Utc(value) is { } t)
                yield return (name, t.ToString("O", CultureInfo.InvariantCulture));
            else
                yield return (name, value.Trim());
        }
    }

    /// <summary>Members that differ when before and after are both JSON objects; null when they are not (shown side by side instead).</summary>
    public static List<(string Member, string Before, string After)>? Diff(string before, string after)
    {
        static Dictionary<string, string>? Members(string json)
        {
            if (json.Length == 0)
                return [];
            try
            {
                using var document = JsonDocument.Parse(json);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal)
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }
        if (Members(before) is not { } b || Members(after) is not { } a)
            return null;
        return [.. b.Keys.Union(a.Keys).Order(StringComparer.Ordinal)
            .Where(k => b.GetValueOrDefault(k) != a.GetValueOrDefault(k))
            .Select(k => (k, Readable(k, b.GetValueOrDefault(k)), Readable(k, a.GetValueOrDefault(k))))];
    }

    /// <summary>
    /// A member as an auditor reads it: an expiry (<c>exp</c>, Unix seconds in the KVS values) as ISO 8601
    /// UTC, with the stored number beside it; 0 is "no expiry".
    /// </summary>
    public static string Readable(string member, string? value) =>
        value is null ? "—"
        : member == Features.Audit.AuditExpiries.Member && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? seconds == 0 ? "0 (no expiry)" : Features.Audit.AuditExpiries.Iso(seconds) is { } iso ? $"{iso} ({value})" : value
            : value;
}
