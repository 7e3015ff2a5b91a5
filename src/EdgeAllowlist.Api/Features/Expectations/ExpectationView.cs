using ProbeRequest = EdgeAllowlist.Api.Features.Simulate.Run.Request;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// An expectation as the API lists it: the admin's with its request, a built-in with what it
/// probes in words; whether it holds on the store now, with the function's decision; and, for a
/// built-in, whether it is muted and by whom.
/// </summary>
/// <param name="Outcome">The function's decision now: pass, deny or error.</param>
/// <param name="OutcomeReason">The reason code of a deny (or the error).</param>
sealed record ExpectationView(
    string Name,
    bool BuiltIn,
    string Description,
    string Expect,
    string? Reason,
    ProbeRequest? Request,
    bool Holds,
    string Outcome,
    string? OutcomeReason,
    bool Muted,
    string? MutedBy,
    DateTimeOffset? MutedAt)
{
    public static ExpectationView From(Evaluated e, ExpectationDefinition? definition) => new(
        e.Expectation.Name, e.Expectation.BuiltIn, e.Expectation.Description, e.Expectation.Expect, e.Expectation.Reason, definition?.Request,
        e.Result.Holds, e.Result.Decision.Action, e.Result.Decision.Reason, e.Muted is not null, e.Muted?.MutedBy, e.Muted?.MutedAt);
}
