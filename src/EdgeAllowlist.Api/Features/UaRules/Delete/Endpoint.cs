using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.UaRules.Delete;

sealed class Endpoint(UaRuleSet rules) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/ua-rules/{id}");
        Permissions(ApiScopes.RulesWrite);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s => s.Summary = "Remove a User-Agent pattern.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if ((await rules.ListAsync(ct)).All(r => r.Id != req.Id))
            ThrowError(r => r.Id, $"There is no User-Agent rule {req.Id}.", 404);
        await rules.ChangeAsync(null, req.Id, HttpContext.ToActor(), ct);
        await Send.NoContentAsync(ct);
    }
}

sealed record Request(string Id)
{
    internal sealed class Validator : Validator<Request>
    {
        public Validator() => RuleFor(r => r.Id).Matches("^ua_[A-Za-z0-9_-]{1,40}$").WithMessage("id must be a rule id (ua_…).");
    }
}
