using System.Globalization;
using System.Text.Json;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Audit;

/// <summary>
/// The one-time step that retired the shadow columns (<c>hashed_action</c>, <c>hashed_target</c>).
/// Two earlier migrations relabelled old entries (one target form, one action vocabulary) and kept
/// the values they were hashed with beside them, so verification checked columns nobody reads: a
/// relabelled entry, with its originals copied into the shadow columns, still verified. This step
/// checks the old chain under the old rule, re-hashes every entry over the columns that are listed,
/// and appends one <c>audit.rechain</c> entry that holds the old head (seq and hash), the new head,
/// whether the old chain held, and which entries were relabelled: the old chain's last word is
/// hashed into the new chain, so the re-chaining is itself on the record.
/// </summary>
public static class AuditRechain
{
    public const string Target = "audit-trail";
    const int Batch = 5000;
    const int ListedRelabelled = 100;

    sealed record Row(AuditEntry Entry, string? HashedAction, string? HashedTarget);

    /// <summary>Runs inside the schema's write-locked transaction, while the shadow columns still exist.</summary>
    public static async Task RunAsync(DbConnection connection, DbTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var oldPrev = AuditEntry.GenesisHash;
        var newPrev = AuditEntry.GenesisHash;
        var expectedSeq = 1L;
        (long Seq, string Problem)? oldBreak = null;
        var relabelled = new List<long>();
        var relabelledCount = 0L;
        (long Seq, string Hash)? oldHead = null;
        for (var after = 0L; ;)
        {
            var rows = await connection.QueryAsync(
                $"SELECT {AuditTrail.Columns}, hashed_action, hashed_target FROM audit_entries WHERE seq > @after ORDER BY seq LIMIT {Batch}",
                r => new Row(AuditTrail.Read(r), r.NullableString(15), r.NullableString(16)), transaction, cancellationToken, ("after", after));
            if (rows.Count == 0)
                break;
            var updates = new List<(long Seq, string Prev, string Hash)>();
            foreach (var (entry, hashedAction, hashedTarget) in rows)
            {
                var shown = entry.ToRecord();
                var hashedAs = shown with { Action = hashedAction ?? entry.Action, Target = hashedTarget ?? entry.Target };
                if (oldBreak is null)
                {
                    var problem = entry.Seq != expectedSeq ? $"entry {expectedSeq} is missing"
                        : entry.PrevHash != oldPrev ? "prev_hash does not match the previous entry's hash"
                        : AuditEntry.ComputeHash(entry.Seq, entry.Time.ToUnixTimeMilliseconds(), hashedAs, entry.PrevHash) != entry.Hash ? "hash does not match the entry's content"
                        : null;
                    if (problem is not null)
                        oldBreak = (entry.Seq, problem);
                }
                if (hashedAs != shown)
                {
                    relabelledCount++;
                    if (relabelled.Count < ListedRelabelled)
                        relabelled.Add(entry.Seq);
                }
                var newHash = AuditEntry.ComputeHash(entry.Seq, entry.Time.ToUnixTimeMilliseconds(), shown, newPrev);
                if (newHash != entry.Hash || newPrev != entry.PrevHash)
                    updates.Add((entry.Seq, newPrev, newHash));
                oldPrev = entry.Hash;
                oldHead = (entry.Seq, entry.Hash);
                newPrev = newHash;
                expectedSeq = entry.Seq + 1;
                after = entry.Seq;
            }
            foreach (var (seq, prev, hash) in updates)
                await connection.ExecuteAsync("UPDATE audit_entries SET prev_hash = @p, hash = @h WHERE seq = @s", transaction, cancellationToken, ("p", prev), ("h", hash), ("s", seq));
        }
        if (oldHead is not { } head)
            return; // an empty trail: nothing was chained under the old rule
        var listed = relabelled.Count == 0 ? "" : $" (seq {string.Join(", ", relabelled)}{(relabelledCount > relabelled.Count ? ", ..." : "")})";
        var verdict = oldBreak is { } broken ? $"the old chain did NOT verify: entry {broken.Seq}: {broken.Problem}" : "the old chain verified up to its head";
        var detail = string.Create(CultureInfo.InvariantCulture, $"re-chained over the listed columns; {relabelledCount} entries had been relabelled by earlier migrations{listed}; {verdict}");
        await AuditTrail.InsertAsync(connection, transaction,
            [new AuditRecord("system", AuditActions.AuditRechain, Target, oldBreak is null ? AuditOutcome.Success : AuditOutcome.Detected,
                Before: JsonSerializer.Serialize(new { seq = head.Seq, hash = head.Hash }),
                After: JsonSerializer.Serialize(new { seq = head.Seq, hash = newPrev }),
                Detail: detail)],
            now, cancellationToken);
    }
}
