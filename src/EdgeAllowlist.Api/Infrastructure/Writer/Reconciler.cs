namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>One key whose value differs between two states (null: absent).</summary>
public sealed record KeyChange(string Key, string? Before, string? After);

/// <summary>
/// What <see cref="Reconciler.Reconcile"/> decided: the journal entry the store shows applied (ours,
/// to be audited for its requester), the changes no journal entry explains (external, audited as
/// such), the entries that may still land (planned against the store's current ETag) and the ones
/// that never can (to be forgotten).
/// </summary>
public sealed record Reconciliation(WriteIntent? Applied, IReadOnlyList<KeyChange> External, IReadOnlyList<WriteIntent> Open, IReadOnlyList<WriteIntent> Dead)
{
    /// <summary>Every key that differs between the two states, ours first.</summary>
    public IEnumerable<KeyChange> Changes(StoreState known) =>
        (Applied?.Writes.Select(w => new KeyChange(w.Key, known.Items.GetValueOrDefault(w.Key), w.Value)) ?? []).Concat(External);
}

/// <summary>
/// The one decision of the write path, as a pure function: given the state the writer last knew
/// (<c>known</c>: its memory, or the shared mirror), the store as it is now (<c>observed</c>) and
/// the journal of intents, which changes are ours and applied, which are external and which intents
/// are still open. Lost answers, restart, multi-instance sync and drift all call it; only the
/// callers differ in where <c>known</c> and <c>observed</c> come from.
/// </summary>
public static class Reconciler
{
    public static Reconciliation Reconcile(StoreState known, StoreState observed, IReadOnlyList<WriteIntent> journal)
    {
        if (observed.ETag == known.ETag)
        {
            // Nothing moved: whatever was planned against this ETag may still be sent.
            return new(null, [], [.. journal.Where(i => i.ETagBefore == observed.ETag)], [.. journal.Where(i => i.ETagBefore != observed.ETag)]);
        }
        var changes = known.Items.Keys.Union(observed.Items.Keys, StringComparer.Ordinal)
            .Select(key => new KeyChange(key, known.Items.GetValueOrDefault(key), observed.Items.GetValueOrDefault(key)))
            .Where(c => c.Before != c.After)
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .ToList();
        // Only one UpdateKeys can succeed from a given ETag, so at most one intent planned against
        // the known ETag is in the store: the first (journal order) whose every key holds its value.
        // Applying it must also have changed each of its keys: one that still holds its known value was not written.
        var changed = changes.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        var applied = journal.FirstOrDefault(i => i.ETagBefore == known.ETag && i.Writes.Count > 0 && i.IsIn(observed.Items)
            && i.Writes.All(w => changed.Contains(w.Key)));
        var ours = applied?.Writes.Select(w => w.Key).ToHashSet(StringComparer.Ordinal) ?? [];
        return new(
            applied,
            [.. changes.Where(c => !ours.Contains(c.Key))],
            [.. journal.Where(i => i != applied && i.ETagBefore == observed.ETag)],
            [.. journal.Where(i => i != applied && i.ETagBefore != observed.ETag)]);
    }
}
