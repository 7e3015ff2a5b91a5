using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Secrets.Revoke;

sealed class Endpoint(StoreWriter writer, PartnerStore partners) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/partners/{partner}/secrets/{id}");
        Permissions(ApiScopes.SecretsAdmin);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "Revoke a secret now (after a leak): its key leaves the store at once.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var secret = (await partners.SecretsAsync(req.Partner, ct)).FirstOrDefault(s => s.Metadata.Id == req.Id);
        if (secret.Hash is null)
            ThrowError(r => r.Id, $"Partner '{req.Partner}' has no secret {req.Id}.", 404);
        var key = KvsLayout.SecretKey(secret.Hash);
        await this.SubmitOrRejectAsync(writer, HttpContext, state => state.ContainsKey(key)
            ? [new KeyWrite(key, null, "secret.revoke", $"{req.Partner}/{req.Id}")]
            : [], ct);
        await partners.MarkRevokedAsync([req.Id], ct);
        await Send.NoContentAsync(ct);
    }
}

sealed class Request
{
    public string Partner { get; init; } = "";

    public string Id { get; init; } = "";

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            this.AddPartnerRules(r => r.Partner);
            RuleFor(r => r.Id).Matches("^sec_[A-Za-z0-9_-]{1,40}$").WithMessage("id must be a secret id (sec_…).");
        }
    }
}
