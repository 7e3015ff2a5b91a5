using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Secrets.Rotate;

sealed class Endpoint(StoreWriter writer, PartnerStore partners, AuditTrail audit, TimeProvider time) : Endpoint<Request, IssuedSecret>
{
    public override void Configure()
    {
        Post("/partners/{partner}/secrets/rotate");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Description(b => b.ClearDefaultProduces(200).Produces<IssuedSecret>(201, "application/json").ProducesProblemDetails(404));
        Summary(s => s.Summary = "Issue a new secret and let the partner's current ones expire after a grace period (default 24 h), in one store change, so playback keeps running while MediaTailor is reconfigured.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await this.EnsureMayManageAsync(HttpContext, audit, req.Partner, adminOnly: false, ct);
        var partner = await partners.FindAsync(req.Partner, ct);
        if (partner is null)
            ThrowError(r => r.Partner, $"There is no partner '{req.Partner}'.", 404);
        var grace = TimeSpan.FromHours(req.GraceHours ?? 24);
        await Send.ResponseAsync(await this.IssueAsync(HttpContext, writer, partners, partner, null, grace, req.DistributionDomain, now, ct), 201, ct);
    }
}

sealed class Request
{
    public string Partner { get; init; } = "";

    /// <summary>How long the current secrets stay valid, 0 to 720 hours (default 24).</summary>
    public double? GraceHours { get; init; }

    /// <summary>As for creating a secret: spells out the VideoContentSourceUrl prefix.</summary>
    public string? DistributionDomain { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            this.AddPartnerRules(r => r.Partner);
            RuleFor(r => r.GraceHours).InclusiveBetween(0, 720);
            RuleFor(r => r.DistributionDomain).Matches("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$").MaximumLength(253)
                .WithMessage("distributionDomain must be a lowercase DNS name such as d111111abcdef8.cloudfront.net.");
        }
    }
}
