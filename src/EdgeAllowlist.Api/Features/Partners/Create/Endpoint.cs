using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Partners.Create;

sealed class Endpoint(PartnerDirectory partners) : Endpoint<Request, Partner>
{
    public override void Configure()
    {
        Post("/partners");
        Permissions(ApiScopes.SecretsAdmin);
        Summary(s =>
        {
            s.Summary = "Register a server-side partner (e.g. MediaTailor) whose secrets carry its scope.";
            s.RequestExamples.Add(new(new { id = "mediatailor", scope = "manifests", description = "AWS Elemental MediaTailor template fetches" }, "MediaTailor"));
            s.Responses[201] = "Created.";
            s.Responses[409] = "A partner with this id exists.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var created = await partners.CreateAsync(req.Id, req.Scope, req.Description, HttpContext.ToActor(), ct);
        if (created is null)
            ThrowError(r => r.Id, $"A partner '{req.Id}' exists already.", 409);
        await Send.ResponseAsync(created, 201, ct);
    }
}

sealed record Request(string Id, string Scope, string? Description)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Id).ValidPartnerId();
            RuleFor(r => r.Scope).Must(s => s is PartnerDirectory.ScopeManifests or PartnerDirectory.ScopeAll)
                .WithMessage("scope must be 'manifests' (template manifests and slate MP4s only) or 'all' (any path).");
            RuleFor(r => r.Description).Must(d => d is null || d.Length <= 200 && !d.Any(char.IsControl))
                .WithMessage("description must be at most 200 characters without control characters.");
        }
    }
}
