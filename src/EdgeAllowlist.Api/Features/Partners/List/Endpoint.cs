using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Partners.List;

sealed class Endpoint(PartnerDirectory partners) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/partners");
        Permissions(ApiScopes.SecretsAdmin);
        Summary(s => s.Summary = "Every partner, by id.");
    }

    public override async Task HandleAsync(CancellationToken ct) => await Send.OkAsync(new(await partners.ListAsync(ct)), ct);
}

sealed record Response(IReadOnlyList<Partner> Items);
