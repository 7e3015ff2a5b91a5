using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Origins.Get;

sealed class Endpoint(StoreWriter writer, OriginNotes notes, TimeProvider time) : Endpoint<Request, OriginView>
{
    public override void Configure()
    {
        Get("/origins/{**origin}");
        Permissions(ApiScopes.RulesRead);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "One allowed origin, with its expiry and note.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var origin = req.Normalized;
        var state = await writer.GetStateAsync(ct);
        if (!state.Items.TryGetValue(KvsLayout.OriginKey(origin), out var value))
            ThrowError(r => r.Origin, $"{origin} is not an allowed origin.", 404);
        var note = (await notes.ReadAsync([origin], ct)).GetValueOrDefault(origin);
        await Send.OkAsync(OriginView.From(origin, value, note, time.GetUtcNow()), ct);
    }
}

sealed class Request : OriginRoute
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator() => AddRules(this);
    }
}
