using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.UserAgents.Delete;

sealed class Endpoint(StoreWriter writer) : Endpoint<Request>
{
    public override void Configure()
    {
        Delete("/user-agents/{list}/{id}");
        Permissions(ApiScopes.RulesWrite);
        Summary(s => s.Summary = "Delete a User-Agent pattern by the id a listing shows.");
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        await writer.SubmitAsync(HttpContext.ToActor(), state => UserAgentRules.Plan(state, rules =>
            rules.Any(r => r.Id == req.Id && r.List == req.List)
                ? [.. rules.Where(r => r.Id != req.Id)]
                : throw new MutationRejectedException(404, "id", $"There is no {req.List} pattern with id '{req.Id}'."), AuditActions.UserAgentDelete), ct);
        await Send.NoContentAsync(ct);
    }
}

sealed class Request
{
    /// <summary>allow or deny.</summary>
    public string List { get; init; } = "";

    /// <summary>The pattern's id from GET /v1/user-agents.</summary>
    public string Id { get; init; } = "";

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.List).Must(l => l is UserAgentRule.Allow or UserAgentRule.Deny).WithMessage("list must be 'allow' or 'deny'.");
            RuleFor(r => r.Id).Matches("^[0-9a-f]{12}$").WithMessage("id must be the 12 hexadecimal characters a listing shows.");
        }
    }
}
