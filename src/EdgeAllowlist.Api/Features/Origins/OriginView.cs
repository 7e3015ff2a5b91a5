using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Rules.Layout;

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

/// <summary>The origin routes' field rules, as FluentValidation rules over the shared ones (EdgeAllowlist.Rules.Origins.OriginRules).</summary>
static class OriginRules
{
    public static IRuleBuilderOptions<T, string> ValidOrigin<T>(this IRuleBuilder<T, string> rule) =>
        rule.Must((request, value, context) =>
        {
            if (Rules.Origins.OriginRules.Problem(value) is not { } problem)
                return true;
            context.MessageFormatter.AppendArgument("Problem", problem);
            return false;
        }).WithMessage(Rules.Origins.OriginRules.Message("{PropertyName}", "{Problem}"));

    public static IRuleBuilderOptions<T, string?> ValidNote<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(Rules.Origins.OriginRules.IsValidNote).WithMessage(Rules.Origins.OriginRules.NoteMessage);

    public static string Normalize(string origin) => Rules.Origins.OriginRules.Normalize(origin);

    /// <summary>"Put this origin with this expiry"; unchanged values are dropped by the writer, so re-adding is a no-op.</summary>
    public static KeyWrite Put(string origin, DateTimeOffset? expires, string action) =>
        new(KvsLayout.OriginKey(origin), KvsLayout.OriginValue(expires), action, origin);
}
