using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Origins.Update;

sealed class Endpoint(StoreWriter writer, OriginNotes notes, TimeProvider time) : Endpoint<Request, OriginView>
{
    public override void Configure()
    {
        Patch("/origins/{**origin}");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "Set or remove an origin's expiry, and set its note (an empty note removes it).");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (req.ExpiresAt <= time.GetUtcNow())
            ThrowError(r => r.ExpiresAt, "expiresAt must be in the future; delete the origin to stop allowing it now.");
        var origin = req.Normalized;
        var key = KvsLayout.OriginKey(origin);
        var outcome = await writer.SubmitKeyedAsync(HttpContext.ToActor(), [key], state => !state.ContainsKey(key)
            ? throw new MutationRejectedException(404, "origin", $"{origin} is not an allowed origin.")
            : req.ExpiresAt is not null || req.RemoveExpiry
                ? [OriginRules.Put(origin, req.RemoveExpiry ? null : req.ExpiresAt, AuditActions.OriginExpiry)]
                : [], ct);
        if (req.Note is not null)
            await notes.SetAsync([(origin, req.Note)], HttpContext.ToActor(), ct);
        await Send.OkAsync(OriginView.From(origin, outcome.Items[key], (await notes.ReadAsync([origin], ct)).GetValueOrDefault(origin), time.GetUtcNow()), ct);
    }
}

sealed class Request : OriginRoute
{
    /// <summary>New expiry; the function ignores the origin from then on.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>True to make the origin permanent again.</summary>
    public bool RemoveExpiry { get; init; }

    /// <summary>New note; empty removes it; absent leaves it.</summary>
    public string? Note { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            AddRules(this);
            RuleFor(r => r.RemoveExpiry).Equal(false).When(r => r.ExpiresAt is not null).WithMessage("give expiresAt or removeExpiry, not both.");
            RuleFor(r => r.Note).ValidNote();
        }
    }
}
