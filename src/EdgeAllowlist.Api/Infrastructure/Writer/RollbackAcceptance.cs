using System.Collections.Immutable;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// <c>admin accept-store-rollback</c>: the operator's way out of a rolled-back store that cannot be
/// restored. <c>--reapply</c> writes the acknowledged state (the sealed mirror, which the trail's
/// entries produced) back over every key that differs, with If-Match, each key audited as
/// <c>kvs.rollback-reapply</c>; <c>--accept-loss</c> keeps the store as it is and audits each lost
/// change as <c>kvs.rollback-accept</c>. Both by the operator, never as an external change, and both
/// make the store's version the acknowledged one, so the service serves again.
/// </summary>
public sealed class RollbackAcceptance(IKeyValueStore store, IDatabase database, AuditTrail audit, MirrorSeal seal, TimeProvider time)
{
    /// <summary>The keys written back (reapply) or accepted as lost, and the store's ETag after.</summary>
    public async Task<(IReadOnlyList<string> Keys, string ETag)> RunAsync(bool reapply, Actor actor, CancellationToken cancellationToken) =>
        await database.StoreLockedAsync(async () =>
        {
            var description = await store.DescribeAsync(cancellationToken);
            var items = (await store.ReadAllAsync(cancellationToken)).ToImmutableSortedDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
            if ((await store.DescribeAsync(cancellationToken)).ETag != description.ETag)
                throw new InvalidOperationException("The store changed while it was being read; run the command again.");
            var (known, check) = await database.WriteLockedAsync(async (connection, transaction) =>
                await MirrorRepository.LoadAsync(connection, transaction, await MirrorRepository.ReadETagAsync(connection, transaction, cancellationToken), seal, cancellationToken), cancellationToken);
            if (reapply && check != SealCheck.Valid)
                throw new InvalidOperationException($"The database mirror does not match its seal ({check}), so the acknowledged state cannot be trusted to re-apply; restore the store from a backup or use --accept-loss.");
            var observed = StoreState.Of(items, description.ETag, time.GetUtcNow()) with { Version = description.Version };
            var keys = StoreRollback.Missing(known, observed);
            var etag = description.ETag;
            var version = description.Version;
            var records = new List<AuditRecord>();
            if (reapply)
            {
                foreach (var chunk in keys.Chunk(KvsLimits.MaxKeysPerUpdate))
                {
                    var result = await store.UpdateKeysAsync(etag,
                        [.. chunk.Where(known.Items.ContainsKey).Select(k => new KeyValueItem(k, known.Items[k]))],
                        [.. chunk.Where(k => !known.Items.ContainsKey(k))], cancellationToken);
                    records.AddRange(chunk.Select(k => new AuditRecord(actor.Name, AuditActions.RollbackReapply, k, AuditOutcome.Success, items.GetValueOrDefault(k), known.Items.GetValueOrDefault(k),
                        actor.RequestId, actor.Client, etag, result.ETag, "the store was rolled back; the acknowledged value was written back")));
                    (etag, version) = (result.ETag, result.Version);
                }
                items = known.Items;
            }
            else
                records.AddRange(keys.Select(k => new AuditRecord(actor.Name, AuditActions.RollbackAccept, k, AuditOutcome.Success, known.Items.GetValueOrDefault(k), items.GetValueOrDefault(k),
                    actor.RequestId, actor.Client, known.ETag, etag, "the store was rolled back; the operator accepted the loss of the acknowledged value")));
            var accepted = StoreState.Of(items, etag, time.GetUtcNow()) with { Digest = seal.DigestOf(items), Version = version };
            await database.WriteLockedAsync(async (connection, transaction) =>
            {
                await audit.AppendAsync(connection, transaction, records, cancellationToken);
                await MirrorRepository.ResetAcknowledgedAsync(connection, transaction, cancellationToken);
                await connection.ExecuteAsync("DELETE FROM kvs_snapshot", transaction, cancellationToken);
                await MirrorRepository.SaveAsync(connection, transaction, items.Select(i => (i.Key, (string?)i.Value)), accepted, seal, time.GetUtcNow(), cancellationToken);
                await MirrorRepository.DeleteStaleIntentsAsync(connection, transaction, etag, cancellationToken);
                return true;
            }, cancellationToken);
            return ((IReadOnlyList<string>)keys, etag);
        }, cancellationToken);
}
