using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Tokens.Current;

/// <summary>Any valid token may ask what it is; the console signs in with this, and a CLI can check a token before using it.</summary>
sealed class Endpoint(ApiTokenStore tokens) : EndpointWithoutRequest<TokenView>
{
    public override void Configure()
    {
        Get("/tokens/current");
        Summary(s => s.Summary = "The calling token's own metadata: name, scopes, partners, expiry (any valid token).");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        // Authentication has just found it; this reads the same remembered entry, not the database.
        var token = await tokens.AuthenticateAsync(PresentedToken.Of(HttpContext)!, ct)
            ?? throw new InvalidOperationException("An authenticated request's token was not found.");
        await Send.OkAsync(TokenView.From(token), ct);
    }
}
