namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// The bearer token of an authenticated request, as the authentication handler read it: without the
/// scheme (whatever its case) and the spaces around it. Keys derived from it therefore do not depend
/// on how the caller spelled the header (<c>bearer T</c>, <c>Bearer  T</c>). Kept in the request's
/// features only, never in claims, logs or the database.
/// </summary>
public sealed record PresentedToken(string Value)
{
    public static string? Of(HttpContext context) => context.Features.Get<PresentedToken>()?.Value;
}
