using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Idempotency;

namespace EdgeAllowlist.Api.Features.Secrets.Rotate;

sealed class Endpoint(PartnerDirectory partners, PartnerSecrets secrets, AuditTrail audit) : Endpoint<Request, IssuedSecret>
{
    public const int MaxGraceSeconds = 30 * 24 * 3600;

    public override void Configure()
    {
        Post("/partners/{partner}/secrets/rotate");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Summary(s =>
        {
            s.Summary = "Create a new secret and let the partner's other secrets expire after a grace period (default 24 h).";
            s.RequestExamples.Add(new(new Request { Partner = "mediatailor", GraceSeconds = 86400, DistributionDomain = "d111111abcdef8.cloudfront.net" }, "MediaTailor, a day's grace"));
            s.Description = "secrets:rotate tokens limited to named partners may rotate only those. Send an Idempotency-Key so a CI retry does not rotate twice.";
            s.Responses[201] = "Rotated; the new secret is in this response only.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (!User.MayRotateSecretsOf(req.Partner))
        {
            await HttpContext.ForbidAsync(audit, $"The token may rotate secrets only of other partners, not of '{req.Partner}'.", ct);
            return;
        }
        var partner = await partners.FindAsync(req.Partner, ct);
        if (partner is null)
            ThrowError(r => r.Partner, $"There is no partner '{req.Partner}'.", 404);
        var domain = await secrets.DistributionDomainAsync(req.DistributionDomain, req.Partner, ct);
        if (domain is null)
            ThrowError(r => r.DistributionDomain!, PartnerSecrets.DomainRequired);
        var grace = req.GraceSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : secrets.DefaultGrace;
        await Send.ResponseAsync(await secrets.IssueAsync(new(partner!, domain!, null, grace, HttpContext.ToActor(), User.TokenId(), HttpContext.AttemptMemory()), ct), 201, ct);
    }
}

sealed class Request : PartnerRoute
{
    /// <summary>Seconds the old secrets keep working (0 to 2592000; default 86400). 0 ends them now.</summary>
    public int? GraceSeconds { get; init; }

    /// <summary>The CloudFront distribution MediaTailor fetches from (default: the domain of the partner's newest live secret, else the Secrets:DistributionDomain setting).</summary>
    public string? DistributionDomain { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            AddRules(this);
            RuleFor(r => r.GraceSeconds).InclusiveBetween(0, Endpoint.MaxGraceSeconds)
                .WithMessage($"graceSeconds must be between 0 and {Endpoint.MaxGraceSeconds} (30 days).");
            RuleFor(r => r.DistributionDomain).ValidDistributionDomain();
        }
    }
}
