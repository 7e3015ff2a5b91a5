using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Secrets.List;

sealed class Endpoint(PartnerStore partners, AuditTrail audit, TimeProvider time) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Get("/partners/{partner}/secrets");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "A partner's secrets as metadata: id, fingerprint, created, created by, expiry, state. Never the secret.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        await this.EnsureMayManageAsync(HttpContext, audit, req.Partner, adminOnly: false, ct);
        if (await partners.FindAsync(req.Partner, ct) is null)
            ThrowError(r => r.Partner, $"There is no partner '{req.Partner}'.", 404);
        var now = time.GetUtcNow();
        await Send.OkAsync(new([.. (await partners.SecretsAsync(req.Partner, ct)).Select(s => SecretView.From(s.Metadata, now))]), ct);
    }
}

sealed class Request
{
    public string Partner { get; init; } = "";

    internal sealed class Validator : Validator<Request>
    {
        public Validator() => this.AddPartnerRules(r => r.Partner);
    }
}

sealed record Response(IReadOnlyList<SecretView> Items);
