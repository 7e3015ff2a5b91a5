using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Idempotency;

namespace EdgeAllowlist.Api.Features.Secrets.Create;

sealed class Endpoint(PartnerDirectory partners, PartnerSecrets secrets, TimeProvider time) : Endpoint<Request, IssuedSecret>
{
    public override void Configure()
    {
        Post("/partners/{partner}/secrets");
        Permissions(ApiScopes.SecretsAdmin);
        Summary(s =>
        {
            s.Summary = "Create a partner secret; the secret and the VideoContentSourceUrl prefix are in this response only.";
            s.RequestExamples.Add(new(new Request { Partner = "mediatailor", DistributionDomain = "d111111abcdef8.cloudfront.net" }, "MediaTailor secret", "POST /v1/partners/mediatailor/secrets with an Idempotency-Key"));
            s.Description = "Send an Idempotency-Key: a retry with the same key and token gets this same response (kept encrypted under the caller's token) and no second secret; once the secret is revoked, the key answers 409.";
            s.Responses[201] = "Created; configure videoContentSourceUrl now, the secret is never shown again.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (req.ExpiresAt <= time.GetUtcNow())
            ThrowError(r => r.ExpiresAt!, "expiresAt must be in the future.");
        var partner = await partners.FindAsync(req.Partner, ct);
        if (partner is null)
            ThrowError(r => r.Partner, $"There is no partner '{req.Partner}'; create it first (POST /v1/partners).", 404);
        var domain = await secrets.DistributionDomainAsync(req.DistributionDomain, req.Partner, ct);
        if (domain is null)
            ThrowError(r => r.DistributionDomain!, PartnerSecrets.DomainRequired);
        await Send.ResponseAsync(await secrets.IssueAsync(new(partner!, domain!, req.ExpiresAt, null, HttpContext.ToActor(), User.TokenId(), HttpContext.AttemptMemory()), ct), 201, ct);
    }
}

sealed class Request : PartnerRoute
{
    /// <summary>The CloudFront distribution MediaTailor fetches from, e.g. d111111abcdef8.cloudfront.net (default: the domain of the partner's newest live secret, else the Secrets:DistributionDomain setting).</summary>
    public string? DistributionDomain { get; init; }

    /// <summary>When the secret stops working (none: until rotated or revoked).</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            AddRules(this);
            RuleFor(r => r.DistributionDomain).ValidDistributionDomain();
        }
    }
}
