using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Tokens.Create;

sealed class Endpoint(ApiTokenStore tokens, AuditTrail audit, TimeProvider time) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("/tokens");
        Permissions(ApiScopes.TokensAdmin);
        Description(b => b.ClearDefaultProduces(200).Produces<Response>(201, "application/json"));
        Summary(s =>
        {
            s.Summary = "Create an API token; the token is in this response only.";
            s.RequestExamples.Add(new(new { name = "ci-deploy", scopes = new[] { ApiScopes.RulesRead, ApiScopes.RulesWrite }, expiresAt = "2027-06-30T00:00:00Z" }, "CI that maintains the rules"));
            s.RequestExamples.Add(new(new { name = "mediatailor-rotation", scopes = new[] { ApiScopes.SecretsRotate }, partners = new[] { "mediatailor" } }, "Rotates MediaTailor's secret only"));
            s.Description = "A token grants at most what it holds: scopes that are a subset of its own, an expiry no later than its own, and, "
                + "when it is limited to partners, only tokens limited to some of those partners. Anything more is a 403 naming what exceeds.";
            s.Responses[201] = "Created; store the token now, it is never shown again.";
            s.Responses[403] = "The new token would exceed the caller's own scopes, expiry or partners.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (req.ExpiresAt is { } expires && expires <= time.GetUtcNow())
            ThrowError(r => r.ExpiresAt, "expiresAt must be in the future.");
        if (TokenLattice.CouldNotMint(User, new([.. req.Scopes], req.Partners ?? [], req.ExpiresAt), "grant") is { } excess)
        {
            await HttpContext.ForbidAsync(audit, excess, ct);
            return;
        }
        var token = ApiTokenStore.NewToken();
        var created = await tokens.CreateAsync(token, req.Name, [.. req.Scopes.Distinct()], [.. (req.Partners ?? []).Distinct()], req.ExpiresAt,
            HttpContext.ToActor(), AuditActions.TokenCreate, ct);
        await Send.ResponseAsync(new(token, TokenView.From(created)), 201, ct);
    }

}

sealed record Request(string Name, IReadOnlyList<string> Scopes, IReadOnlyList<string>? Partners, DateTimeOffset? ExpiresAt)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Name).NotEmpty().MaximumLength(64).Matches("^[A-Za-z0-9][A-Za-z0-9._-]*$")
                .WithMessage("name must be 1 to 64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.");
            RuleFor(r => r.Scopes).NotEmpty().WithMessage("scopes must list at least one scope.");
            RuleForEach(r => r.Scopes).Must(s => ApiScopes.All.Contains(s))
                .WithMessage($"each scope must be one of: {string.Join(", ", ApiScopes.All)}.");
            RuleForEach(r => r.Partners).Matches("^[a-z0-9][a-z0-9-]{0,62}$")
                .WithMessage("each partner must be a partner id: lowercase letters, digits and '-', at most 63 characters.");
            RuleFor(r => r.Partners).Empty().When(r => r.Scopes is not null && !r.Scopes.Contains(ApiScopes.SecretsRotate))
                .WithMessage("partners limits the secrets:rotate scope; give that scope or leave partners out.");
        }
    }
}

sealed record Response(string Token, TokenView Metadata);
