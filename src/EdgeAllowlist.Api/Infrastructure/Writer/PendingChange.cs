using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>One change waiting in the writer's queue, and what the writer learned of it so far.</summary>
public sealed class PendingChange(Actor actor, MutationPlan plan, bool syncFirst, IReadOnlyCollection<string>? keys = null, ChangeCheck? check = null)
{
    /// <summary>Every key the plan reads (and so may write); null when it may read any key, so only a full re-read of the store can refresh its state.</summary>
    public IReadOnlyCollection<string>? Keys { get; } = keys;

    /// <summary>A change that nothing but a fresh read of the store can answer (drift check, a shared mirror that moved).</summary>
    public static PendingChange Sync() => new(new(StoreApplier.ExternalActor, null, null), _ => [], syncFirst: true);

    /// <summary>
    /// A read on an instance sharing its database, which found that another instance moved the mirror: loading
    /// the mirror (its seal checked) is enough, as for a single instance that has not yet seen an edit of the
    /// store; its poll re-reads the store. A full re-read here listed the store on every read after the other
    /// instance wrote while someone edited the store.
    /// </summary>
    public static PendingChange FollowMirror() => new(new(StoreApplier.ExternalActor, null, null), _ => [], syncFirst: false) { FollowsMirror = true };

    public bool FollowsMirror { get; private init; }

    /// <summary>The second half of a background re-read: reconcile a listing taken outside the queue (<see cref="StoreApplier.ReconcileListingAsync"/>).</summary>
    public static PendingChange Reconcile(StoreListing listing) => new(new(StoreApplier.ExternalActor, null, null), _ => [], syncFirst: false) { Listing = listing };

    /// <summary>Set for a background re-read's reconcile, which the writer runs on its own, not as part of a batch.</summary>
    public StoreListing? Listing { get; private init; }

    public bool SyncFirst { get; } = syncFirst;

    public bool DriftFound { get; set; }

    public Actor Actor { get; } = actor;

    public MutationPlan Plan { get; } = plan;

    /// <summary>The expectations the change must keep; none for the writer's own changes (the first <c>cfg</c>, re-reads).</summary>
    public ChangeCheck? Check { get; } = check;

    public List<AuditEntry> Entries { get; } = [];

    /// <summary>Planned writes not yet in the store; none left after some were written means the change is done.</summary>
    public int Outstanding { get; set; } = -1;

    public bool Settled => Outstanding == 0 && Entries.Count > 0;

    public TaskCompletionSource<WriteOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Complete(StoreState answeredAgainst) => Completion.TrySetResult(new(answeredAgainst.ETag ?? "", Entries, answeredAgainst.Items));
}

/// <summary>One key a pending change writes, with the value it replaces.</summary>
public sealed record PlannedWrite(PendingChange Owner, KeyWrite Write, string? Before)
{
    public bool IsRestricting { get; } = KvsLayout.IsRestricting(Write.Key, Before, Write.Value);
}
