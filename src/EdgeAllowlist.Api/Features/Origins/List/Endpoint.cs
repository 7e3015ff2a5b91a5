using System.Text;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Origins.List;

sealed class Endpoint(StoreWriter writer, OriginNotes notes, TimeProvider time) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/origins");
        Permissions(ApiScopes.RulesRead);
        Summary(s => s.Summary = "Allowed origins in key order, one page at a time (pass nextCursor as cursor).");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var limit = req.Limit ?? 100;
        var after = req.Cursor is null ? null : Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(req.Cursor));
        var state = await writer.GetStateAsync(ct);
        var matches = state.Items
            .Where(i => i.Key.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal))
            .Select(i => (Origin: i.Key[KvsLayout.OriginPrefix.Length..], i.Value))
            .Where(o => after is null || string.CompareOrdinal(o.Origin, after) > 0)
            .Where(o => req.Contains is null || o.Origin.Contains(req.Contains, StringComparison.OrdinalIgnoreCase))
            .Take(limit + 1)
            .ToList();
        var page = matches.Take(limit).ToList();
        var pageNotes = await notes.ReadAsync([.. page.Select(o => o.Origin)], ct);
        var now = time.GetUtcNow();
        var items = page.Select(o => OriginView.From(o.Origin, o.Value, pageNotes.GetValueOrDefault(o.Origin), now))
            .Where(o => req.Expired is null || o.Expired == req.Expired)
            .ToList();
        var next = matches.Count > limit ? System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes(page[^1].Origin)) : null;
        await Send.OkAsync(new(items, next), ct);
    }
}

sealed class Request
{
    /// <summary>Only origins containing this text (case-insensitive).</summary>
    public string? Contains { get; init; }

    /// <summary>true: only expired origins; false: only live ones.</summary>
    public bool? Expired { get; init; }

    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }

    /// <summary>Origins per page, 1 to 1000 (default 100).</summary>
    public int? Limit { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Contains).MaximumLength(300);
            RuleFor(r => r.Cursor).MaximumLength(600).Matches("^[A-Za-z0-9_-]+$").WithMessage("cursor must be a nextCursor returned by this endpoint.");
            RuleFor(r => r.Limit).InclusiveBetween(1, 1000);
        }
    }
}

sealed record Response(IReadOnlyList<OriginView> Items, string? NextCursor);
