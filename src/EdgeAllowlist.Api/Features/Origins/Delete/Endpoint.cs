using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Origins.Delete;

sealed class Endpoint(StoreWriter writer, OriginNotes notes) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/origins/{**origin}");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "Stop allowing an origin (its note goes too).");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var origin = req.Normalized;
        var key = KvsLayout.OriginKey(origin);
        await writer.SubmitKeyedAsync(HttpContext.ToActor(), [key], state => state.ContainsKey(key)
            ? [new KeyWrite(key, null, AuditActions.OriginDelete, origin)]
            : throw new MutationRejectedException(404, "origin", $"{origin} is not an allowed origin."), ct);
        await notes.SetAsync([(origin, "")], HttpContext.ToActor(), ct);
        await Send.NoContentAsync(ct);
    }
}

sealed class Request : OriginRoute
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator() => AddRules(this);
    }
}
