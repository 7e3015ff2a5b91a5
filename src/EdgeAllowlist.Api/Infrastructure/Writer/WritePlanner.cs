namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>What one planning pass decided: the writes to send (restricting ones first), the changes refused and the ones that wait for the next round.</summary>
public sealed record WritePlan(List<PlannedWrite> Writes, List<(PendingChange Pending, MutationRejectedException Refusal)> Refused, List<PendingChange> Deferred);

/// <summary>
/// Plans every pending change against one evolving copy of the state, as a pure function of the
/// batch and the state: no I/O, so the writer can run it again after every re-read.
/// </summary>
public static class WritePlanner
{
    /// <summary>
    /// A change that touches a key another change of this round already writes waits for the next
    /// round (one UpdateKeys call carries one value per key). Changes nothing but the changes'
    /// <see cref="PendingChange.Outstanding"/> counts.
    /// </summary>
    public static WritePlan Plan(IEnumerable<PendingChange> batch, StoreState state)
    {
        var touched = new HashSet<string>(StringComparer.Ordinal);
        var working = state.Items;
        var bytes = state.TotalBytes;
        var writes = new List<PlannedWrite>();
        var refused = new List<(PendingChange, MutationRejectedException)>();
        var deferred = new List<PendingChange>();
        // A change whose keys are all written (or were found applied after a lost answer) is done:
        // planning it again against the new state could refuse it (say, deleting what it deleted).
        foreach (var pending in batch.Where(p => !p.Settled))
        {
            try
            {
                var planned = new List<PlannedWrite>();
                var items = working;
                var size = bytes;
                foreach (var write in pending.Plan(items))
                {
                    CheckLimits(write);
                    var before = items.GetValueOrDefault(write.Key);
                    if (before == write.Value)
                        continue;
                    size += (write.Value is null ? 0 : KvsLimits.EntrySize(write.Key, write.Value)) - (before is null ? 0 : KvsLimits.EntrySize(write.Key, before));
                    items = write.Value is null ? items.Remove(write.Key) : items.SetItem(write.Key, write.Value);
                    planned.Add(new(pending, write, before));
                }
                if (planned.Any(w => touched.Contains(w.Write.Key)))
                {
                    deferred.Add(pending);
                    continue;
                }
                if (size > KvsLimits.MaxStoreBytes)
                    throw new MutationRejectedException(422, "store", $"The change would bring the store to {size} bytes, over the KVS quota of {KvsLimits.MaxStoreBytes} bytes; nothing was written.");
                // Checked against the store as this change would leave it, after the changes planned before it.
                if (planned.Count > 0 && pending.Check is { } check && check.Flips(working, items) is { Count: > 0 } flips)
                {
                    if (!check.Force)
                        throw new ExpectationsFlippedException(flips);
                    var note = ExpectationsFlippedException.AuditDetail(flips);
                    planned = [.. planned.Select(w => w with { Write = w.Write with { Detail = w.Write.Detail is null ? note : $"{w.Write.Detail}; {note}" } })];
                }
                touched.UnionWith(planned.Select(w => w.Write.Key));
                working = items;
                bytes = size;
                pending.Outstanding = planned.Count;
                writes.AddRange(planned);
            }
            catch (MutationRejectedException e)
            {
                refused.Add((pending, e));
            }
        }
        return new([.. writes.Where(w => w.IsRestricting), .. writes.Where(w => !w.IsRestricting)], refused, deferred);
    }

    static void CheckLimits(KeyWrite write)
    {
        if (KvsLimits.ByteCount(write.Key) > KvsLimits.MaxKeyBytes)
            throw new MutationRejectedException(400, write.Target, $"The key for '{write.Target}' would be {KvsLimits.ByteCount(write.Key)} bytes; KVS allows {KvsLimits.MaxKeyBytes}.");
        if (write.Value is not null && KvsLimits.ByteCount(write.Value) > KvsLimits.MaxValueBytes)
            throw new MutationRejectedException(400, write.Target, $"The value for '{write.Target}' would be {KvsLimits.ByteCount(write.Value)} bytes; KVS allows {KvsLimits.MaxValueBytes}.");
    }
}
