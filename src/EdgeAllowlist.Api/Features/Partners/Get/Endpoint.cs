using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Partners.Get;

sealed class Endpoint(PartnerDirectory partners, AuditTrail audit) : Endpoint<Request, Partner>
{
    public override void Configure()
    {
        Get("/partners/{partner}");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Summary(s => s.Summary = "One partner. secrets:rotate tokens see the partners they may rotate, so a rotation can check the partner before it issues anything.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (!User.MayRotateSecretsOf(req.Partner))
        {
            await HttpContext.ForbidAsync(audit, $"The token may rotate secrets only of other partners, not of '{req.Partner}'.", ct);
            return;
        }
        if (await partners.FindAsync(req.Partner, ct) is { } partner)
            await Send.OkAsync(partner, ct);
        else
            await Send.NotFoundAsync(ct);
    }
}

sealed class Request : PartnerRoute
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator() => AddRules(this);
    }
}
