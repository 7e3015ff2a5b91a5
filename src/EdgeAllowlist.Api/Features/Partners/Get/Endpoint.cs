using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Partners.Get;

sealed class Endpoint(PartnerDirectory partners) : Endpoint<Request, Partner>
{
    public override void Configure()
    {
        Get("/partners/{partner}");
        Permissions(ApiScopes.SecretsAdmin);
        Summary(s => s.Summary = "One partner.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
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
