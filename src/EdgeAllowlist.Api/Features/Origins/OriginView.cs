using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Rules.Origins;

namespace EdgeAllowlist.Api.Features.Origins;

/// <summary>An allowed origin as the API shows it; <c>expired</c> ones stay in the store until deleted, ignored by the function.</summary>
sealed record OriginView(string Origin, DateTimeOffset? ExpiresAt, bool Expired, string? Note)
{
    public static OriginView From(string origin, string value, string? note, DateTimeOffset now)
    {
        var expires = KvsLayout.ReadExpiry(value);
        return new(origin, expires, expires <= now, note);
    }
}

/// <summary>Field rules shared by the origin endpoints.</summary>
static class OriginRules
{
    public const int MaxNoteLength = 500;

    public static IRuleBuilderOptions<T, string> ValidOrigin<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must((request, value, context) =>
        {
            if (OriginName.TryNormalize(value, out _, out var error))
                return true;
            context.MessageFormatter.AppendArgument("Problem", error);
            return false;
        }).WithMessage("{PropertyName} {Problem}");

    public static IRuleBuilderOptions<T, string?> ValidNote<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(n => n is null || n.Length <= MaxNoteLength && !n.Any(char.IsControl))
            .WithMessage($"note must be at most {MaxNoteLength} characters without control characters.");

    public static string Normalize(string origin) =>
        OriginName.TryNormalize(origin, out var normalized, out _) ? normalized : throw new ArgumentException("not validated", nameof(origin));

    /// <summary>"Put this origin with this expiry"; unchanged values are dropped by the writer, so re-adding is a no-op.</summary>
    public static KeyWrite Put(string origin, DateTimeOffset? expires, string action) =>
        new(KvsLayout.OriginKey(origin), KvsLayout.OriginValue(expires), action, origin);
}
