using EdgeAllowlist.EdgeFunction;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// One request as the function receives it: method, path, query (without '?'), headers, and the
/// time to decide at (null: now). <see cref="SecretKey"/>: the request presents a stand-in secret
/// (<see cref="ExpectationEvaluator.ProbeSecret"/>) that the evaluator's store answers with this
/// <c>x:</c> key's value, so a partner's fetch runs through the function without the secret in clear.
/// </summary>
sealed record Probe(string Method, string Uri, string? Query, IReadOnlyDictionary<string, string> Headers, DateTimeOffset? At = null, string? SecretKey = null);

/// <summary>
/// A request the function must keep deciding one way: <see cref="Expect"/> <c>pass</c>, or
/// <c>deny</c> (with <see cref="Reason"/>, that reason code only). Built-in ones are derived from
/// the rules and may hold several probes: <see cref="AnyProbe"/> holds when one of them does (a
/// partner with several live secrets), otherwise every probe must (one request per browser).
/// </summary>
sealed record Expectation(string Name, string Expect, string? Reason, IReadOnlyList<Probe> Probes, bool BuiltIn, string Description, bool AnyProbe = false)
{
    public const string Pass = Rules.Expectations.ExpectationRules.Pass;
    public const string Deny = Rules.Expectations.ExpectationRules.Deny;
    public const string BuiltInPrefix = "builtin:";
}

/// <summary>The function's decision on a probe: pass, deny or error, and the reason code.</summary>
sealed record Decision(string Action, string? Reason)
{
    public static Decision Of(EdgeOutcome outcome) => outcome.Action switch
    {
        EdgeAction.Pass => new(Expectation.Pass, null),
        EdgeAction.Respond => new(Expectation.Deny, outcome.Header("x-allowlist-reason")),
        _ => new("error", outcome.Error),
    };

    public override string ToString() => Reason is null || Action == Expectation.Pass ? Action : $"{Action} {Reason}";
}

/// <summary>
/// Whether an expectation holds on a store, and the decision that says so (for several probes: the
/// first that broke it, else the first). <see cref="Reads"/>: every key the probes that ran read, with
/// the value found (null: absent); the function decides from these and the time alone, so on a store
/// where none of them differs, before <see cref="ValidUntil"/> (the first expiry among the values read
/// still to come), the result is the same.
/// </summary>
sealed record ExpectationResult(bool Holds, Decision Decision, IReadOnlyDictionary<string, string?> Reads, DateTimeOffset ValidUntil)
{
    /// <summary>Whether this result is the function's answer on <paramref name="items"/> at <paramref name="now"/> too, without running it.</summary>
    public bool StandsOn(IReadOnlyDictionary<string, string> items, DateTimeOffset now) =>
        now < ValidUntil && Reads.All(read => items.TryGetValue(read.Key, out var value) ? value == read.Value : read.Value is null);
}
