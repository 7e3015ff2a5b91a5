using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Secrets.Create;

sealed class Endpoint(StoreWriter writer, PartnerStore partners, AuditTrail audit, TimeProvider time) : Endpoint<Request, IssuedSecret>
{
    public override void Configure()
    {
        Post("/partners/{partner}/secrets");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Description(b => b.ClearDefaultProduces(200).Produces<IssuedSecret>(201, "application/json").ProducesProblemDetails(404));
        Summary(s => s.Summary = "Create a partner secret. The secret is in this response only, with the VideoContentSourceUrl prefix to configure; send an Idempotency-Key so a retry cannot create two.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (req.ExpiresAt <= now)
            ThrowError(r => r.ExpiresAt!, "expiresAt must be in the future.");
        await this.EnsureMayManageAsync(HttpContext, audit, req.Partner, adminOnly: false, ct);
        var partner = await partners.FindAsync(req.Partner, ct);
        if (partner is null)
            ThrowError(r => r.Partner, $"There is no partner '{req.Partner}'.", 404);
        await Send.ResponseAsync(await this.IssueAsync(HttpContext, writer, partners, partner, req.ExpiresAt, null, req.DistributionDomain, now, ct), 201, ct);
    }
}

sealed class Request
{
    public string Partner { get; init; } = "";

    /// <summary>Optional end of validity; the function refuses the secret from then on.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The CloudFront domain MediaTailor fetches from (e.g. d111111abcdef8.cloudfront.net), to spell out the VideoContentSourceUrl prefix.</summary>
    public string? DistributionDomain { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            this.AddPartnerRules(r => r.Partner);
            RuleFor(r => r.DistributionDomain).Matches("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$").MaximumLength(253)
                .WithMessage("distributionDomain must be a lowercase DNS name such as d111111abcdef8.cloudfront.net.");
        }
    }
}
