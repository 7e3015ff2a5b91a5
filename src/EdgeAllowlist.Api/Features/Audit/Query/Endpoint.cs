using System.Globalization;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Audit.Query;

sealed class Endpoint(AuditTrail audit) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/audit");
        Permissions(ApiScopes.AuditRead);
        Summary(s =>
        {
            s.Summary = "Query the audit trail, newest first, one page at a time (pass nextCursor as cursor).";
            s.Description = "Filters combine. target is one target exactly; targetPrefix is every target starting with the text, "
                + "compared character by character (case-sensitive; % _ * \\ are plain characters): targetPrefix=mediatailor/ is partner mediatailor's "
                + "secret events, ua/ every User-Agent rule change (targets ua/<list>/<kind>/<pattern>), https:// every origin. "
                + "targetPrefix is 1 to 1024 characters and not given with target (400 naming targetPrefix). "
                + "action takes an action or a family (secret.*). The export (GET /v1/audit/export) takes the same filters.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var limit = req.Limit ?? 100;
        var entries = await audit.QueryAsync(req.ToFilter(req.Cursor is null ? null : long.Parse(req.Cursor, CultureInfo.InvariantCulture)), limit + 1, ct);
        var page = entries.Take(limit).Select(AuditEntryView.From).ToList();
        var next = entries.Count > limit ? page[^1].Seq.ToString(CultureInfo.InvariantCulture) : null;
        await Send.OkAsync(new(page, next), ct);
    }
}

sealed class Request : AuditFilterRequest
{
    /// <summary>The nextCursor of the previous page.</summary>
    public string? Cursor { get; init; }

    /// <summary>Entries per page, 1 to 1000 (default 100).</summary>
    public int? Limit { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            AddRules(this);
            RuleFor(r => r.Cursor).Matches("^[1-9][0-9]{0,17}$").WithMessage("cursor must be a nextCursor returned by this endpoint.");
            RuleFor(r => r.Limit).InclusiveBetween(1, 1000);
        }
    }
}

sealed record Response(IReadOnlyList<AuditEntryView> Items, string? NextCursor);
