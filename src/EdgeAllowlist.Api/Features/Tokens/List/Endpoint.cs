using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Tokens.List;

sealed class Endpoint(ApiTokenStore tokens) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/tokens");
        Permissions(ApiScopes.TokensAdmin);
        Summary(s => s.Summary = "List API tokens (metadata and fingerprints only).");
    }

    public override async Task HandleAsync(CancellationToken ct) =>
        await Send.OkAsync(new([.. (await tokens.ListAsync(ct)).Select(TokenView.From)]), ct);
}

sealed record Response(IReadOnlyList<TokenView> Items);
