using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Features.Audit.Verify;

sealed class Endpoint(AuditVerifier verifier) : EndpointWithoutRequest<AuditVerification>
{
    public override void Configure()
    {
        Get("/audit/verify");
        Permissions(ApiScopes.AuditRead);
        Summary(s => s.Summary = "Verify the whole trail: every entry's hash and link, every signed checkpoint (signature, chain, and the entry it names), the checkpoint published outside the database, and the newest checkpoint's age. problems lists each finding by entry (seq) or checkpoint: altered (edited or relabelled), relinked, missing, recomputed (rewritten and re-hashed), truncated, stale, published, checkpoint-signature, checkpoint-key, checkpoint-chain. /v1/status shows the last such verification.");
    }

    public override async Task HandleAsync(CancellationToken ct) => await Send.OkAsync(await verifier.VerifyAsync(ct), ct);
}
