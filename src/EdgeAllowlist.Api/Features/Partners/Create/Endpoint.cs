using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Partners.Create;

sealed class Endpoint(PartnerStore partners) : Endpoint<Request, Partner>
{
    public override void Configure()
    {
        Post("/partners");
        Permissions(ApiScopes.SecretsAdmin);
        Description(b => b.ClearDefaultProduces(200).Produces<Partner>(201, "application/json").ProducesProblemDetails(409));
        Summary(s => s.Summary = "Register a server-side partner (e.g. MediaTailor) and what its secrets may fetch: 'manifests' (.m3u8, .mpd, .mp4) or 'all'.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var created = await partners.CreateAsync(req.Id, req.Scope, HttpContext.ToActor(), ct);
        if (created is null)
            ThrowError(r => r.Id, $"Partner '{req.Id}' already exists.", 409);
        await Send.ResponseAsync(created, 201, ct);
    }
}

sealed record Request(string Id, string Scope)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            this.AddPartnerRules(r => r.Id);
            RuleFor(r => r.Scope).Must(s => PartnerStore.Scopes.Contains(s)).WithMessage("scope must be 'manifests' or 'all'.");
        }
    }
}
