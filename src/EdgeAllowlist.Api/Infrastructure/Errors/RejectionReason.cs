namespace EdgeAllowlist.Api.Infrastructure.Errors;

/// <summary>
/// The fields and reasons a 4xx answer named, kept on the request so its audit entry
/// (<see cref="Auth.RejectionAuditMiddleware"/>) says more than "HTTP 400". Written where the answer
/// is made (<see cref="Problems"/>, <see cref="ProblemTranslation"/>), read once the request is done.
/// </summary>
public static class RejectionReason
{
    const string Key = "EdgeAllowlist.RejectionReason";

    public static void Record(HttpContext context, IReadOnlyList<(string Field, string Reason)> reasons)
    {
        if (reasons.Count > 0)
            context.Items[Key] = string.Join("; ", reasons.Select(r => r.Field.Length == 0 ? r.Reason : $"{r.Field}: {r.Reason}"));
    }

    /// <summary>What the answer named, or null when it named nothing.</summary>
    public static string? Of(HttpContext context) => context.Items[Key] as string;
}
