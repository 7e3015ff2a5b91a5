using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Secrets.List;

sealed class Endpoint(PartnerDirectory partners, PartnerSecrets secrets, StoreWriter writer) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/partners/{partner}/secrets");
        Permissions(ApiScopes.SecretsAdmin);
        Summary(s => s.Summary = "The partner's secrets in the store, as metadata only (id, fingerprint, created, created by, expiry).");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (await partners.FindAsync(req.Partner, ct) is null)
        {
            await Send.NotFoundAsync(ct);
            return;
        }
        var state = await writer.GetStateAsync(ct);
        await Send.OkAsync(new(await secrets.ViewsAsync([.. StoredSecret.OfPartner(state.Items, req.Partner)], ct)), ct);
    }
}

sealed class Request : PartnerRoute
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator() => AddRules(this);
    }
}

sealed record Response(IReadOnlyList<SecretView> Items);
