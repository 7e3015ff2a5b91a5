using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Tokens.Revoke;

sealed class Endpoint(ApiTokenStore tokens, AuditTrail audit) : Endpoint<Request, TokenView>
{
    public override void Configure()
    {
        Delete("/tokens/{id}");
        Permissions(ApiScopes.TokensAdmin);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Revoke an API token now; revoking twice is harmless.";
            s.Description = "A token revokes only tokens it could have minted: scopes within its own, an expiry no later than its own, "
                + "and, when it is limited to partners, only tokens limited to some of those partners. Anything more is a 403 naming what exceeds, audited.";
            s.Responses[403] = "The token to revoke holds more than the caller: a scope, a later expiry or other partners.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var target = await tokens.FindAsync(req.Id, ct);
        if (target is null)
            ThrowError(r => r.Id, $"There is no token {req.Id}.", 404);
        if (TokenLattice.CouldNotMint(User, TokenLattice.Grant.Of(target!), "revoke") is { } excess)
        {
            await HttpContext.ForbidAsync(audit, $"Token {req.Id} is not within this token's own: {excess}", ct);
            return;
        }
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
