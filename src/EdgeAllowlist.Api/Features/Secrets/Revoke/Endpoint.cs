using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Secrets.Revoke;

sealed class Endpoint(PartnerSecrets secrets) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/partners/{partner}/secrets/{id}");
        Permissions(ApiScopes.SecretsAdmin);
        Summary(s => s.Summary = "Revoke a secret now: its key leaves the store, the next request with it is denied, and the Idempotency-Key that issued it answers 409 from then on.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        await secrets.EndAsync(HttpContext.ToActor(), AuditActions.SecretRevoke, state =>
            StoredSecret.OfPartner(state, req.Partner).FirstOrDefault(s => s.Id == req.Id) is { } secret
                ? [secret]
                : throw new MutationRejectedException(404, "id", $"Partner '{req.Partner}' has no secret '{req.Id}' in the store."), ct);
        await Send.NoContentAsync(ct);
    }
}

sealed class Request : PartnerRoute
{
    /// <summary>The secret id, e.g. sec_AbCdEfGhIjKl.</summary>
    public string Id { get; init; } = "";

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            AddRules(this);
            RuleFor(r => r.Id).ValidSecretId();
        }
    }
}
