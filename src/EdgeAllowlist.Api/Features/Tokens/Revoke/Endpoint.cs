using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Tokens.Revoke;

sealed class Endpoint(ApiTokenStore tokens) : Endpoint<Request, TokenView>
{
    public override void Configure()
    {
        Delete("/tokens/{id}");
        Permissions(ApiScopes.TokensAdmin);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "Revoke an API token now; revoking twice is harmless.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var revoked = await tokens.RevokeAsync(req.Id, HttpContext.ToActor(), ct);
        if (revoked is null)
            ThrowError(r => r.Id, $"There is no token {req.Id}.", 404);
        await Send.OkAsync(TokenView.From(revoked), ct);
    }
}

sealed record Request(string Id)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator() => RuleFor(r => r.Id).NotEmpty().MaximumLength(64).Matches("^tok_[A-Za-z0-9_-]+$").WithMessage("id must be a token id (tok_…).");
    }
}
