using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Partners.List;

sealed class Endpoint(PartnerStore partners) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/partners");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Summary(s => s.Summary = "Registered partners.");
    }

    public override async Task HandleAsync(CancellationToken ct) => await Send.OkAsync(new(await partners.ListAsync(ct)), ct);
}

sealed record Response(IReadOnlyList<Partner> Items);
