using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>One key to put (<see cref="Value"/> set) or delete (null), and how to audit it (<see cref="Detail"/>: a note for the audit entry).</summary>
public sealed record KeyWrite(string Key, string? Value, string Action, string Target, string? Detail = null);

/// <summary>
/// A change expressed as desired state: given the store as it is now, which keys must change. The
/// writer may call it again after a conflict or between batches, so it must be a pure function of
/// the state it is given (generate random values before, not inside).
/// Throw <see cref="MutationRejectedException"/> to refuse the change without writing anything.
/// </summary>
public delegate IReadOnlyList<KeyWrite> MutationPlan(IReadOnlyDictionary<string, string> state);

/// <summary>A refusal of a change, answered as problem details naming the field (<see cref="Errors.Problems"/>).</summary>
public class MutationRejectedException(int statusCode, string field, string message, IReadOnlyDictionary<string, object>? extensions = null)
    : Errors.ProblemException(statusCode, message, field, extensions: extensions)
{
    public new string Field => base.Field!;
}

/// <summary>
/// What a completed change did: the ETag after it, the audit entries it produced (none if nothing
/// changed) and the store's items at that ETag, so the answer describes the state the change was
/// decided against rather than whatever a later read finds.
/// </summary>
public sealed record WriteOutcome(string ETag, IReadOnlyList<AuditEntry> Entries, IReadOnlyDictionary<string, string> Items);
