using System.Text.Json;
using EdgeAllowlist.Api.Features.Expectations;
using EdgeAllowlist.Api.Features.Origins;
using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Features.Settings;
using EdgeAllowlist.Api.Features.UserAgents;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Rules.Layout;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Features.DesiredState;

public sealed class DesiredStateOptions : Infrastructure.Configuration.ISettings
{
    public static string Section => "DesiredState";

    /// <summary>An apply that would delete more origins and User-Agent rules than this is refused unless forced.</summary>
    public int MaxDeletions { get; set; } = 10;

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (MaxDeletions < 0) yield return (nameof(MaxDeletions), $"must be 0 or more (got {MaxDeletions})");
    }
}

/// <summary>The plan the caller reviewed is not the plan the store now gives: 409 with the fresh one as <c>currentPlan</c>, to review and apply with its digest.</summary>
sealed class StalePlanException(PlanView current, string message)
    : Infrastructure.Errors.ProblemException(StatusCodes.Status409Conflict, message, extensions: new Dictionary<string, object> { ["currentPlan"] = current });

/// <summary>What an apply did: the plan it carried out, the store's ETag after it, and its summary audit entry.</summary>
sealed record ApplyResult(PlanView Plan, string ETag, string ChangeId, long AuditSeq);

/// <summary>
/// Export, plan, apply and rollback of the rules as one document. An apply is one change: its KVS
/// writes go through the writer as one submission (restrictions first, batches of at most 50 keys),
/// every audit entry it causes carries the request id as its change id, and a final
/// <c>desired-state.apply</c> entry records the counts and the document and plan digests.
/// </summary>
sealed class DesiredStateService(
    StoreWriter writer,
    OriginNotes notes,
    PartnerDirectory partners,
    ExpectationStore expectations,
    ExpectationChecks checks,
    AuditTrail audit,
    IOptions<DesiredStateOptions> options,
    RetryPolicy policy)
{

    public async Task<DesiredStateDocument> ExportAsync(CancellationToken ct)
    {
        var items = (await writer.GetStateAsync(ct)).Items;
        var originNotes = await notes.ReadAllAsync(ct);
        var partnerList = await partners.ListAsync(ct);
        return Document(items, originNotes, [.. partnerList.Select(p => new Partners.Create.Request(p.Id, p.Scope, p.Description))])
            with { Expectations = (await expectations.ReadAsync(ct)).Defined };
    }

    /// <summary>The plan, with the expectations its store changes would flip (checked as apply will check them).</summary>
    public async Task<ComputedPlan> PlanAsync(DesiredStateDocument document, CancellationToken ct)
    {
        var items = (await writer.GetStateAsync(ct)).Items;
        var (notesNow, partnersNow, set) = await ReadDatabaseSideAsync(document, ct);
        var plan = Plan(document, items, notesNow, partnersNow, set.Defined);
        var after = new Dictionary<string, string>(items, StringComparer.Ordinal);
        foreach (var write in plan.StoreWrites)
        {
            if (write.Value is null)
                after.Remove(write.Key);
            else
                after[write.Key] = write.Value;
        }
        return plan with { View = plan.View with { Flips = checks.Flips(Checked(document, set), items, after) } };
    }

    /// <summary>The expectations a document's store changes are checked against: the document's own when it manages them (it is what will be in force), else those in force now.</summary>
    static ExpectationSet Checked(DesiredStateDocument document, ExpectationSet now) =>
        document.Expectations is { } declared ? now with { Defined = declared } : now;

    /// <summary>
    /// Runs the plan of <paramref name="document"/>. Refused (nothing written) when the plan differs
    /// from <paramref name="expectedDigest"/>, deletes more than the threshold without
    /// <paramref name="force"/>, changes an existing partner, or adds one without secrets:admin.
    /// </summary>
    public async Task<ApplyResult> ApplyAsync(DesiredStateDocument document, bool force, string? expectedDigest, bool mayCreatePartners,
        Actor actor, string action, object? detail, CancellationToken ct)
    {
        var items = (await writer.GetStateAsync(ct)).Items;
        var (notesNow, partnersNow, set) = await ReadDatabaseSideAsync(document, ct);
        var plan = Plan(document, items, notesNow, partnersNow, set.Defined);
        if (expectedDigest is not null && expectedDigest != plan.View.PlanDigest)
            throw new StalePlanException(plan.View, "The rules changed since that plan was made; review the current plan and apply it with its digest.");
        if (plan.View.NeedsForce && !force)
            throw new MutationRejectedException(422, "force",
                $"The plan deletes {plan.View.Counts.Deletions} rules, more than the limit of {plan.View.MaxDeletions}; review it and apply with force=true if that is intended. Nothing was written.");
        if (plan.PartnerChanges.Count > 0)
        {
            var (index, partner) = plan.PartnerChanges[0];
            throw new MutationRejectedException(422, $"partners[{index}]",
                $"Partner '{partner.Id}' exists with another scope or description; partners are never changed by apply (each of its secrets carries the scope). Match the document to it. Nothing was written.");
        }
        if (plan.PartnerAdds.Count > 0 && !mayCreatePartners)
            throw new MutationRejectedException(403, $"partners[{plan.PartnerAdds[0].Index}]", "Adding a partner needs the secrets:admin scope as well. Nothing was written.");

        var etag = await WriteStoreAsync(plan, document, notesNow, partnersNow, set, actor, action, ct);
        if (plan.ExpectationsWanted is { } wanted)
            await expectations.ReplaceAllAsync(wanted, actor, ct);
        if (plan.NoteWrites.Count > 0)
            await notes.SetAsync(plan.NoteWrites, actor, ct);
        foreach (var (_, partner) in plan.PartnerAdds)
            await partners.CreateAsync(partner.Id, partner.Scope, partner.Description, actor, ct);
        var summary = await audit.AppendAsync(new AuditRecord(actor.Name, action, AuditActions.DesiredStateTarget, AuditOutcome.Success,
            RequestId: actor.RequestId, Client: actor.Client, ETagAfter: etag,
            Detail: JsonSerializer.Serialize(new
            {
                changeId = actor.RequestId,
                plan.View.Counts,
                plan.View.DocumentDigest,
                plan.View.PlanDigest,
                forced = force && plan.View.NeedsForce,
                keysWritten = plan.StoreWrites.Count,
                detail,
            }, JsonSerializerOptions.Web)), ct);
        return new(plan.View, etag, actor.RequestId ?? "", summary.Seq);
    }

    /// <summary>
    /// The KVS part. The writer re-plans against the state it writes over and refuses if that plan
    /// is not the one just checked (someone wrote in between), so the gate and the digest hold for
    /// what is written. User-Agent shards and <c>cfg</c> must land in one UpdateKeys call (the
    /// function fails on a shard count that does not match the shards), so a change too large for
    /// one call sends them first, alone, and the origins after.
    /// </summary>
    async Task<string> WriteStoreAsync(ComputedPlan plan, DesiredStateDocument document, IReadOnlyDictionary<string, string> notesNow,
        IReadOnlyList<Partner> partnersNow, ExpectationSet set, Actor actor, string action, CancellationToken ct)
    {
        if (plan.StoreWrites.Count == 0)
            return (await writer.GetStateAsync(ct)).ETag ?? "";
        static bool IsPolicy(KeyWrite w) => w.Key == KvsLayout.ConfigKey || w.Key.StartsWith(KvsLayout.UserAgentPrefix, StringComparison.Ordinal);
        var split = plan.StoreWrites.Count > policy.Limits.MaxKeysPerBatch && plan.StoreWrites.Any(IsPolicy);
        var check = checks.For(Checked(document, set), actor.Force);
        try
        {
            var outcome = await writer.SubmitAsync(actor, state =>
            {
                var again = Plan(document, state, notesNow, partnersNow, set.Defined);
                if (again.View.PlanDigest != plan.View.PlanDigest)
                    throw new MutationRejectedException(409, "If-Match", "The rules changed while the plan was being applied.");
                return split ? [.. again.StoreWrites.Where(IsPolicy)] : again.StoreWrites;
            }, check, ct);
            if (!split)
                return outcome.ETag;
        }
        catch (MutationRejectedException e) when (e.StatusCode == 409 && e is not ExpectationsFlippedException)
        {
            throw new StalePlanException((await PlanAsync(document, ct)).View, "The rules changed since the plan was made; nothing was written. Review the current plan.");
        }
        return (await writer.SubmitAsync(actor, state => [.. Plan(document, state, notesNow, partnersNow, set.Defined).StoreWrites.Where(w => !IsPolicy(w))], check, ct)).ETag;
    }

    ComputedPlan Plan(DesiredStateDocument document, IReadOnlyDictionary<string, string> state, IReadOnlyDictionary<string, string> notesNow,
        IReadOnlyList<Partner> partnersNow, IReadOnlyList<ExpectationDefinition> expectationsNow) =>
        ComputedPlan.Compute(document, state, notesNow, partnersNow, expectationsNow, options.Value.MaxDeletions);

    async Task<(IReadOnlyDictionary<string, string> Notes, IReadOnlyList<Partner> Partners, ExpectationSet Expectations)> ReadDatabaseSideAsync(DesiredStateDocument document, CancellationToken ct) =>
        (await notes.ReadAllAsync(ct), document.Partners is null ? [] : await partners.ListAsync(ct), await expectations.ReadAsync(ct));

    /// <summary>
    /// The rules as they were right after audit entry <paramref name="seq"/>: the current store with
    /// every later KVS change undone from its before-value, newest first, and the same for notes.
    /// Partners are left out (never deleted by apply); secrets are never part of it.
    /// </summary>
    public async Task<DesiredStateDocument> AsOfAsync(long seq, CancellationToken ct)
    {
        // A change made outside the service is recorded first, so undoing the trail starts from the store as it is.
        await writer.CheckDriftAsync(ct);
        for (var attempt = 1; ; attempt++)
        {
            var state = await writer.GetStateAsync(ct);
            var later = new List<AuditEntry>();
            string? lastETag = null;
            var head = 0L;
            await foreach (var entry in audit.StreamAsync(new(), ct))
            {
                head = entry.Seq;
                lastETag = entry.ETagAfter ?? lastETag;
                if (entry.Seq > seq)
                    later.Add(entry);
            }
            if (seq < 1 || seq > head)
                throw new MutationRejectedException(404, "toSeq", $"The audit trail has entries 1 to {head}.");
            // A write that landed between reading the store and reading the trail would be undone wrongly: read both again.
            if (lastETag != state.ETag && attempt < policy.Limits.MaxReadAttempts)
                continue;
            var items = new Dictionary<string, string>(state.Items, StringComparer.Ordinal);
            var originNotes = new Dictionary<string, string>(await notes.ReadAllAsync(ct), StringComparer.Ordinal);
            foreach (var entry in Enumerable.Reverse(later))
            {
                if (entry.ETagAfter is not null && KeyOf(entry) is { } key)
                {
                    if (entry.Before is null)
                        items.Remove(key);
                    else
                        items[key] = entry.Before;
                }
                else if (entry.Action == AuditActions.OriginNote && entry.ETagAfter is null)
                {
                    if (entry.Before is null)
                        originNotes.Remove(entry.Target);
                    else
                        originNotes[entry.Target] = entry.Before;
                }
            }
            return Document(items, originNotes, null);
        }
    }

    /// <summary>
    /// The KVS key an audit entry changed (origins are audited by name, User-Agent rules by rule with the
    /// key in the detail, policy by key, in one form whichever route wrote them). Secrets (partner/id) are
    /// not rules and are never rolled back.
    /// </summary>
    static string? KeyOf(AuditEntry entry) => KvsLayout.KeyOfAuditEntry(entry.Target, entry.Detail);

    static DesiredStateDocument Document(IReadOnlyDictionary<string, string> items, IReadOnlyDictionary<string, string> originNotes, IReadOnlyList<Partners.Create.Request>? partnerList)
    {
        var policy = EdgePolicy.From(items.GetValueOrDefault(KvsLayout.ConfigKey));
        return new(
            DesiredStateDocument.CurrentVersion,
            [.. items.Where(i => i.Key.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal)).OrderBy(i => i.Key, StringComparer.Ordinal)
                .Select(i => i.Key[KvsLayout.OriginPrefix.Length..])
                .Select(origin => new OriginEntry(origin, KvsLayout.ReadExpiry(items[KvsLayout.OriginKey(origin)]), originNotes.GetValueOrDefault(origin)))],
            [.. UserAgentRules.Read(items).Select(UserAgentEntry.From)],
            Settings.Update.Request.From(policy),
            partnerList);
    }
}
