using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Origins.Add;

sealed class Endpoint(StoreWriter writer, OriginNotes notes, TimeProvider time) : Endpoint<Request, OriginView>
{
    public override void Configure()
    {
        Post("/origins");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.Produces<OriginView>(200, "application/json").Produces<OriginView>(201, "application/json").ProducesProblemDetails(422).ProducesProblemDetails(503));
        Summary(s =>
        {
            s.Summary = "Allow a browser origin (idempotent: adding it again changes nothing).";
            s.RequestExamples.Add(new(new { origin = "https://www.example.com", note = "main player site" }, "A site"));
            s.RequestExamples.Add(new(new { origin = "https://*.example.com", expiresAt = "2027-01-31T00:00:00Z", note = "preview builds, until the end of January" }, "Every subdomain, with an expiry"));
            s.Responses[201] = "Added.";
            s.Responses[200] = "Already present; expiry updated if it differed.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (req.ExpiresAt <= time.GetUtcNow())
            ThrowError(r => r.ExpiresAt, "expiresAt must be in the future.");
        var origin = OriginRules.Normalize(req.Origin);
        var outcome = await writer.SubmitKeyedAsync(HttpContext.ToActor(), [KvsLayout.OriginKey(origin)], _ => [OriginRules.Put(origin, req.ExpiresAt, AuditActions.OriginAdd)], ct);
        if (req.Note is not null)
            await notes.SetAsync([(origin, req.Note)], HttpContext.ToActor(), ct);
        var created = outcome.Entries.Any(e => e.Before is null);
        var view = OriginView.From(origin, outcome.Items[KvsLayout.OriginKey(origin)], (await notes.ReadAsync([origin], ct)).GetValueOrDefault(origin), time.GetUtcNow());
        await Send.ResponseAsync(view, created ? 201 : 200, ct);
    }
}

sealed record Request(string Origin, DateTimeOffset? ExpiresAt, string? Note)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Origin).ValidOrigin();
            RuleFor(r => r.Note).ValidNote();
        }
    }
}
