using EdgeAllowlist.Audit.Signing;

namespace EdgeAllowlist.Audit;

/// <summary>One finding of a verification, about one entry (<see cref="Seq"/>) or one checkpoint.</summary>
/// <param name="Kind">
/// <c>altered</c> (the entry's content no longer gives its hash: edited or relabelled),
/// <c>relinked</c> (its prev_hash is not the previous entry's hash), <c>missing</c> (seqs absent),
/// <c>recomputed</c> (the chain holds, but not to the head a signed checkpoint names: entries up to
/// <see cref="Seq"/> were rewritten and re-hashed), <c>truncated</c> (a checkpoint covers entries that
/// are gone), <c>stale</c> (the newest checkpoint is older than the interval allows: newer ones and
/// their entries may have been removed), <c>published</c> (the checkpoint published outside the
/// database is not in it), <c>checkpoint-signature</c>, <c>checkpoint-key</c>, <c>checkpoint-chain</c>.
/// </param>
public sealed record AuditProblem(string Kind, long? Seq, long? Checkpoint, string Detail);

/// <summary>What a full verification found; <see cref="Valid"/> when <see cref="Problems"/> is empty.</summary>
public sealed record AuditVerification(
    bool Valid,
    long Entries,
    long? FirstInvalidSeq,
    string? Problem,
    IReadOnlyList<AuditProblem> Problems,
    long Checkpoints,
    long SignedThrough,
    DateTimeOffset? LatestCheckpointAt,
    string KeyId,
    DateTimeOffset VerifiedAt);

/// <summary>
/// The one verification of a trail, for the service (entries from the database) and the CLI
/// (entries from an export, offline): every entry's hash and link, every checkpoint's signature and
/// link, each checkpoint against the entry it names, and the newest checkpoint's age.
/// </summary>
public static class AuditChainVerifier
{
    const int MaxProblems = 1000;

    /// <param name="checkpoints">Every checkpoint, oldest first.</param>
    /// <param name="now">For the age check; null skips it (an export read later, offline).</param>
    /// <param name="published">The checkpoint published outside the database, if any.</param>
    public static async Task<AuditVerification> VerifyAsync(
        IAsyncEnumerable<AuditEntry> entries, IReadOnlyList<AuditCheckpoint> checkpoints, AuditPublicKey key,
        DateTimeOffset? now, TimeSpan maxCheckpointAge, AuditCheckpoint? published, DateTimeOffset verifiedAt, CancellationToken cancellationToken)
    {
        var problems = new List<AuditProblem>();
        void Add(AuditProblem problem)
        {
            if (problems.Count < MaxProblems)
                problems.Add(problem);
        }

        // The checkpoints first: only those that verify are evidence about the entries.
        var trusted = new Dictionary<long, List<AuditCheckpoint>>();
        var prevDigest = AuditEntry.GenesisHash;
        var expectedId = 1L;
        AuditCheckpoint? latest = null;
        foreach (var checkpoint in checkpoints)
        {
            if (checkpoint.Id != expectedId)
                Add(new("checkpoint-chain", null, checkpoint.Id, $"checkpoints {expectedId} to {checkpoint.Id - 1} are missing"));
            else if (checkpoint.PrevDigest != prevDigest)
                Add(new("checkpoint-chain", null, checkpoint.Id, "does not chain to the checkpoint before it"));
            expectedId = checkpoint.Id + 1;
            prevDigest = checkpoint.DigestHex();
            if (checkpoint.KeyId != key.KeyId)
            {
                Add(new("checkpoint-key", null, checkpoint.Id, $"signed by key {checkpoint.KeyId}, not by {key.KeyId}"));
                continue;
            }
            if (!checkpoint.IsSignedBy(key))
            {
                Add(new("checkpoint-signature", null, checkpoint.Id, "the signature does not match the checkpoint"));
                continue;
            }
            (trusted.TryGetValue(checkpoint.Count, out var at) ? at : trusted[checkpoint.Count] = []).Add(checkpoint);
            latest = checkpoint;
        }
        if (published is not null)
        {
            if (!published.IsSignedBy(key))
                Add(new("published", null, published.Id, "the published checkpoint's signature does not verify with this key"));
            else if (!checkpoints.Any(c => c.Id == published.Id && c.DigestHex() == published.DigestHex()))
                Add(new("published", published.Count, published.Id,
                    $"the checkpoint published outside the database (checkpoint {published.Id}, {published.Count} entries, {published.Time:O}) is not in the database: checkpoints were removed or replaced"));
            else if (latest is null || latest.Id < published.Id)
                Add(new("published", published.Count, published.Id, "the checkpoint published outside the database is newer than every checkpoint that verifies"));
            if (published.IsSignedBy(key))
                (trusted.TryGetValue(published.Count, out var at) ? at : trusted[published.Count] = []).Add(published);
        }
        foreach (var genesis in trusted.GetValueOrDefault(0) ?? [])
            if (genesis.HeadHash != AuditEntry.GenesisHash)
                Add(new("checkpoint-chain", null, genesis.Id, "covers no entries but names a head hash"));

        var expectedSeq = 1L;
        var prevHash = AuditEntry.GenesisHash;
        var lastSigned = 0L;
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            if (entry.Seq > expectedSeq)
                Add(new("missing", expectedSeq, null, entry.Seq == expectedSeq + 1 ? $"entry {expectedSeq} is missing" : $"entries {expectedSeq} to {entry.Seq - 1} are missing"));
            if (entry.PrevHash != prevHash)
                Add(new("relinked", entry.Seq, null, "prev_hash is not the previous entry's hash"));
            if (AuditEntry.ComputeHash(entry.Seq, entry.Time.ToUnixTimeMilliseconds(), entry.ToRecord(), entry.PrevHash) != entry.Hash)
                Add(new("altered", entry.Seq, null, "the entry's content does not give its hash: it was edited or relabelled"));
            foreach (var checkpoint in trusted.GetValueOrDefault(entry.Seq) ?? [])
            {
                if (checkpoint.HeadHash != entry.Hash)
                    Add(new("recomputed", entry.Seq, checkpoint.Id,
                        $"checkpoint {checkpoint.Id}, signed {checkpoint.Time:O}, names another hash for entry {entry.Seq}: entries after entry {lastSigned} up to {entry.Seq} were rewritten and their hashes recomputed"));
                else
                    lastSigned = entry.Seq;
            }
            prevHash = entry.Hash;
            expectedSeq = entry.Seq + 1;
        }
        var count = expectedSeq - 1;
        var beyond = trusted.Where(t => t.Key > count).SelectMany(t => t.Value).OrderBy(c => c.Count).FirstOrDefault();
        if (beyond is not null)
            Add(new("truncated", count + 1, beyond.Id,
                $"checkpoint {beyond.Id}, signed {beyond.Time:O}, covers {trusted.Keys.Max()} entries but the trail ends at entry {count}: the entries after it are gone"));
        var newest = latest is null ? published : published is null || latest.Id >= published.Id ? latest : published;
        if (now is { } at2 && newest is not null && at2 - newest.Time > maxCheckpointAge)
            Add(new("stale", null, newest.Id,
                $"the newest signed checkpoint is from {newest.Time:O}, older than the {maxCheckpointAge} allowed: newer checkpoints, and the entries they covered, may have been removed"));
        var first = problems.Where(p => p.Seq is not null).MinBy(p => p.Seq);
        return new(problems.Count == 0, count, first?.Seq, problems.FirstOrDefault()?.Detail, problems,
            checkpoints.Count, lastSigned, latest?.Time, key.KeyId, verifiedAt);
    }
}
