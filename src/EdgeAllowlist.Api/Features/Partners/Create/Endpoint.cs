using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.Api.Infrastructure.OpenApi;
using EdgeAllowlist.Rules.Partners;

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
    /// <summary>The rules of <see cref="PartnerRules"/>, which a desired-state document's partners pass too.</summary>
    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Id).DocumentedAsNotEmpty().DocumentedPattern(PartnerRules.IdPattern);
            this.ReportedBy(r => PartnerRules.Check(r.Id, r.Scope, r.Description));
        }
    }
}
