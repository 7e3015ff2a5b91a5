using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.UaRules.List;

sealed class Endpoint(UaRuleSet rules) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/ua-rules");
        Permissions(ApiScopes.RulesRead);
        Summary(s => s.Summary = "User-Agent patterns as the admins wrote them (allow and deny lists).");
    }

    public override async Task HandleAsync(CancellationToken ct) => await Send.OkAsync(new(await rules.ListAsync(ct)), ct);
}

sealed record Response(IReadOnlyList<UaRule> Items);
