using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Audit.Verify;

sealed class Endpoint(AuditTrail audit) : EndpointWithoutRequest<AuditVerification>
{
    public override void Configure()
    {
        Get("/audit/verify");
        Permissions(ApiScopes.AuditRead);
        Summary(s => s.Summary = "Recompute the hash chain over the whole trail; valid is false at the first entry that was altered, removed or inserted.");
    }

    public override async Task HandleAsync(CancellationToken ct) => await Send.OkAsync(await audit.VerifyAsync(ct), ct);
}
