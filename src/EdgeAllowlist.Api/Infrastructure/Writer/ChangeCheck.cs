using EdgeAllowlist.Api.Infrastructure.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// An expectation that held on the store before a change and would not after it: its name, the
/// function's decision on each side ("pass", or "deny" with the reason code) and the reason code after.
/// </summary>
public sealed record ExpectationFlip(string Name, bool BuiltIn, string Expect, string Before, string After, string? Reason)
{
    public override string ToString() => $"{Name} ({Before} -> {After})";
}

/// <summary>
/// What a change must not break, run by the planner on the store as it is and as the change would
/// leave it: a pure function of the two (no I/O), so it runs again whenever the writer re-plans.
/// </summary>
/// <param name="Flips">The expectations that hold on the first state and not on the second.</param>
/// <param name="Force">Write anyway; the flips are then recorded in the audit entries of the change.</param>
public sealed record ChangeCheck(Func<IReadOnlyDictionary<string, string>, IReadOnlyDictionary<string, string>, IReadOnlyList<ExpectationFlip>> Flips, bool Force);

/// <summary>Prepares the check for one submitted change (reads what it needs, such as the admin's expectations, before the writer's loop runs it).</summary>
public interface IChangeChecks
{
    Task<ChangeCheck?> PrepareAsync(Actor actor, CancellationToken cancellationToken);
}

/// <summary>
/// 409: the change would break expectations that hold now. The problem lists every flip in
/// <c>flips</c> and names <c>force</c>, the one way to write anyway (<c>?force=true</c> on any route).
/// </summary>
public sealed class ExpectationsFlippedException(IReadOnlyList<ExpectationFlip> flips) : MutationRejectedException(409, "force",
    $"The change would break {flips.Count} expectation(s) that hold now: {string.Join("; ", flips.Take(10))}{(flips.Count > 10 ? "; …" : "")}. Nothing was written. Review them; to write anyway, repeat the request with ?force=true (the flips are audited).",
    new Dictionary<string, object> { ["flips"] = flips })
{
    public IReadOnlyList<ExpectationFlip> Flips { get; } = flips;

    /// <summary>The note a forced write's audit entries carry.</summary>
    public static string AuditDetail(IReadOnlyList<ExpectationFlip> flips) =>
        $"forced past {flips.Count} expectation flip(s): {string.Join("; ", flips.Select(f => $"{f.Name} ({f.Before} -> {f.After})"))}";
}
