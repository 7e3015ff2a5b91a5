using EdgeAllowlist.Api.Infrastructure.Audit.Signing;
using EdgeAllowlist.Audit;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Audit;

/// <summary>
/// Full verifications of the trail in the database: every entry, every checkpoint, the published
/// checkpoint and the newest checkpoint's age. <see cref="Last"/> is what /v1/status shows, so
/// status and <c>GET /v1/audit/verify</c> never disagree: status is the last full verification,
/// whoever asked for it. Entries are read in slices of a few thousand, each its own short query.
/// </summary>
public sealed class AuditVerifier(AuditTrail trail, AuditCheckpoints checkpoints, AuditSigning signing, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditVerifier> logger)
{
    public AuditVerification? Last { get; private set; }

    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        // Sign the current head first if a checkpoint is due (the clock may have jumped); the signer's own
        // check refuses over a cut or rewritten trail, so this never hides what the verification looks for.
        try
        {
            await checkpoints.CheckpointIfDueAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not DbException)
        {
            logger.LogWarning(e, "Could not sign an audit checkpoint before verifying");
        }
        var now = time.GetUtcNow();
        var result = await AuditChainVerifier.VerifyAsync(trail.StreamInSlicesAsync(cancellationToken), await checkpoints.ReadAllAsync(cancellationToken),
            await signing.KeyAsync(cancellationToken), now, options.Value.MaxCheckpointAge, checkpoints.ReadPublished(), now, cancellationToken);
        if (!result.Valid)
            logger.LogError("The audit trail does not verify: {Count} problems; first: {Problem}", result.Problems.Count, result.Problem);
        Last = result;
        return result;
    }
}
