using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Origins.AddMany;

sealed class Endpoint(StoreWriter writer, OriginNotes notes, TimeProvider time) : Endpoint<Request, Response>
{
    public const int MaxOrigins = 20_000;

    public override void Configure()
    {
        Post("/origins/bulk");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.ProducesProblemDetails(422).ProducesProblemDetails(503));
        Summary(s =>
        {
            s.Summary = $"Allow up to {MaxOrigins} origins in one change (idempotent); written in batches of at most 50 keys.";
            s.RequestExamples.Add(new(new { origins = new object[] { new { origin = "https://www.example.com" }, new { origin = "https://player.example.org", note = "partner site" } } }, "Two sites"));
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        for (var i = 0; i < req.Origins.Count; i++)
            if (req.Origins[i].ExpiresAt <= now)
                AddError($"origins[{i}].expiresAt", "expiresAt must be in the future.");
        ThrowIfAnyErrors();
        // The same origin twice in one request (e.g. spelled differently): the last entry wins.
        var items = req.Origins
            .Select(o => (Origin: OriginRules.Normalize(o.Origin), o.ExpiresAt, o.Note))
            .GroupBy(o => o.Origin).Select(g => g.Last()).ToList();
        var outcome = await writer.SubmitKeyedAsync(HttpContext.ToActor(), [.. items.Select(o => KvsLayout.OriginKey(o.Origin))], _ => [.. items.Select(o => OriginRules.Put(o.Origin, o.ExpiresAt, AuditActions.OriginAdd))], ct);
        var withNotes = items.Where(o => o.Note is not null).Select(o => (o.Origin, o.Note!)).ToList();
        if (withNotes.Count > 0)
            await notes.SetAsync(withNotes, HttpContext.ToActor(), ct);
        var added = outcome.Entries.Count(e => e.Before is null);
        var updated = outcome.Entries.Count - added;
        await Send.OkAsync(new(added, updated, items.Count - added - updated, outcome.ETag), ct);
    }
}

sealed record Request(IReadOnlyList<Request.Item> Origins)
{
    public sealed record Item(string Origin, DateTimeOffset? ExpiresAt, string? Note);

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Origins).Cascade(CascadeMode.Stop).NotEmpty().Must(o => o.Count <= Endpoint.MaxOrigins)
                .WithMessage($"origins must list 1 to {Endpoint.MaxOrigins} origins.");
            RuleForEach(r => r.Origins).NotNull().ChildRules(item =>
            {
                item.RuleFor(i => i.Origin).ValidOrigin();
                item.RuleFor(i => i.Note).ValidNote();
            });
        }
    }
}

sealed record Response(int Added, int Updated, int Unchanged, string ETag);
