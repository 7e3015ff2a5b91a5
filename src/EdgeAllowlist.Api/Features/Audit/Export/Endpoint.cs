using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Features.Audit.Export;

sealed class Endpoint(AuditTrail audit, AuditCheckpoints checkpoints) : Endpoint<Request>
{
    static readonly string[] Header = ["seq", "time", "actor", "action", "target", "outcome", "before", "after", "request_id", "client", "etag_before", "etag_after", "detail", "prev_hash", "hash"];

    public override void Configure()
    {
        Get("/audit/export");
        Permissions(ApiScopes.AuditRead);
        Description(b => b.ClearDefaultProduces(204).Produces(200, typeof(string), "application/x-ndjson", "text/csv"));
        Summary(s => s.Summary = "Export every matching entry, oldest first, as NDJSON (default) or CSV; streamed. The CSV is for people: expiries (exp) inside before/after are ISO 8601 UTC there, while the NDJSON holds every value as stored and hashed. An NDJSON export without filters also holds the signed checkpoints, each as a line {\"checkpoint\":{...}} after the entry it covers, so it verifies offline with the public key alone (edge-allowlist audit verify --file).");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var csv = req.Format == "csv";
        HttpContext.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
        HttpContext.Response.Headers.ContentDisposition = $"attachment; filename=audit.{(csv ? "csv" : "ndjson")}";
        await using var writer = new StreamWriter(HttpContext.Response.Body, new UTF8Encoding(false), 64 * 1024);
        if (csv)
            await writer.WriteLineAsync(string.Join(',', Header));
        var filter = req.ToFilter();
        // Read before the entries: every checkpoint then covers entries the export holds (new entries only follow).
        Queue<AuditCheckpoint> signed = csv || filter != new AuditFilter() ? new() : new(await checkpoints.ReadAllAsync(ct));
        async Task WriteCheckpointsThroughAsync(long seq)
        {
            while (signed.Count > 0 && signed.Peek().Count <= seq)
                await writer.WriteLineAsync(JsonSerializer.Serialize(new { checkpoint = signed.Dequeue() }, JsonSerializerOptions.Web));
        }
        await WriteCheckpointsThroughAsync(0);
        await foreach (var entry in audit.StreamAsync(filter, ct))
        {
            var view = AuditEntryView.From(entry);
            await writer.WriteLineAsync(csv ? CsvLine(view) : JsonSerializer.Serialize(view, JsonSerializerOptions.Web));
            await WriteCheckpointsThroughAsync(entry.Seq);
        }
        // Checkpoints past the last entry exported (the newest entries removed) go out too: the offline check calls that truncation.
        await WriteCheckpointsThroughAsync(long.MaxValue);
    }

    /// <summary>One row; expiries in before/after as ISO 8601 UTC (the NDJSON keeps the values as stored and hashed).</summary>
    static string CsvLine(AuditEntryView e) => string.Join(',', new[]
    {
        e.Seq.ToString(CultureInfo.InvariantCulture), e.Time.ToString("O", CultureInfo.InvariantCulture), e.Actor, e.Action, e.Target, e.Outcome,
        AuditExpiries.Readable(e.Before), AuditExpiries.Readable(e.After), e.RequestId, e.Client, e.ETagBefore, e.ETagAfter, e.Detail, e.PrevHash, e.Hash,
    }.Select(Cell));

    /// <summary>RFC 4180 quoting; a cell a spreadsheet would run as a formula gets a leading apostrophe.</summary>
    static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}

sealed class Request : AuditFilterRequest
{
    /// <summary><c>ndjson</c> (default) or <c>csv</c>.</summary>
    public string? Format { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            AddRules(this);
            RuleFor(r => r.Format).Must(f => f is null or "ndjson" or "csv").WithMessage("format must be ndjson or csv.");
        }
    }
}
