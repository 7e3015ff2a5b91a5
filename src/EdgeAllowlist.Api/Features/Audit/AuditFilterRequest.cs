using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Features.Audit;

/// <summary>The filters that the query and the export share, bound from the query string.</summary>
class AuditFilterRequest
{
    /// <summary>Inclusive lower bound of the entry time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Exclusive upper bound of the entry time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Token name (or <c>kvs-external</c>, <c>system</c>, <c>anonymous</c>).</summary>
    public string? Actor { get; init; }

    /// <summary>e.g. <c>origin.add</c>, <c>token.create</c>, <c>auth.denied</c>, <c>kvs.external-change</c>; or a family, <c>secret.*</c> (every action starting <c>secret.</c>).</summary>
    public string? Action { get; init; }

    /// <summary>One target exactly, as entries list it: <c>https://www.example.com</c>, <c>mediatailor/sec_01J…</c>, <c>ua/allow/curl*</c>.</summary>
    public string? Target { get; init; }

    /// <summary>
    /// Every target that starts with this text, compared character by character (case-sensitive; <c>%</c>, <c>_</c>,
    /// <c>*</c> and <c>\</c> are plain characters): <c>mediatailor/</c> finds partner mediatailor's secret events,
    /// <c>ua/</c> every User-Agent rule change. 1 to 1024 characters; not with <c>target</c>.
    /// </summary>
    public string? TargetPrefix { get; init; }

    /// <summary><c>success</c>, <c>unauthenticated</c>, <c>forbidden</c>, <c>rejected</c> or <c>detected</c>.</summary>
    public string? Outcome { get; init; }

    public AuditFilter ToFilter(long? before = null) => new(From, To, Actor, Action, Target, Outcome, before, TargetPrefix);

    internal static void AddRules<T>(AbstractValidator<T> validator) where T : AuditFilterRequest
    {
        validator.RuleFor(r => r.To).GreaterThan(r => r.From).When(r => r.From is not null && r.To is not null).WithMessage("to must be after from.");
        validator.RuleFor(r => r.Actor).MaximumLength(200);
        validator.RuleFor(r => r.Action).MaximumLength(100)
            .Must(a => a is null || !a.Contains('*', StringComparison.Ordinal) || AuditActions.Family(a) is { Count: > 0 })
            .WithMessage($"action must be an action or a family of them such as secret.* (families: {string.Join(", ", AuditActions.All.Select(a => a.Split('.')[0] + ".*").Distinct())}).");
        validator.RuleFor(r => r.Target).MaximumLength(1024);
        // No surrogate check: a query string cannot carry a lone one (ASP.NET Core leaves a percent-escape
        // that is not UTF-8, such as %ED%A0%80, undecoded, so it is matched as that literal text).
        validator.RuleFor(r => r.TargetPrefix).Cascade(CascadeMode.Stop)
            .NotEmpty().WithMessage("targetPrefix must not be empty; leave it out to match every target.")
            .MaximumLength(1024)
            .Must((r, _) => r.Target is null).WithMessage("Give target (one target) or targetPrefix (every target starting with it), not both.")
            .When(r => r.TargetPrefix is not null);
        validator.RuleFor(r => r.Outcome).Must(o => o is null || Outcomes.Contains(o))
            .WithMessage($"outcome must be one of: {string.Join(", ", Outcomes)}.");
    }

    static readonly string[] Outcomes = [AuditOutcome.Success, AuditOutcome.Unauthenticated, AuditOutcome.Forbidden, AuditOutcome.Rejected, AuditOutcome.Detected];
}

/// <summary>An entry as the API returns it.</summary>
sealed record AuditEntryView(
    long Seq, DateTimeOffset Time, string Actor, string Action, string Target, string Outcome, string? Before, string? After,
    string? RequestId, string? Client, string? ETagBefore, string? ETagAfter, string? Detail, string PrevHash, string Hash)
{
    public static AuditEntryView From(AuditEntry e) => new(e.Seq, e.Time, e.Actor, e.Action, e.Target, e.Outcome, e.Before, e.After,
        e.RequestId, e.Client, e.ETagBefore, e.ETagAfter, e.Detail, e.PrevHash, e.Hash);
}
