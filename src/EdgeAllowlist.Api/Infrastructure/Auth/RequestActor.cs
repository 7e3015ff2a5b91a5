using System.Security.Claims;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

public static class RequestActor
{
    public const string Anonymous = "anonymous";

    /// <summary>The query parameter that writes past expectation flips, the same on every write route.</summary>
    public const string ForceParameter = "force";

    /// <summary>The caller as the audit trail names it: the token's name, the request id and the client address; and whether it forces past flips.</summary>
    public static Actor ToActor(this HttpContext context) =>
        new(context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name ?? Anonymous : Anonymous,
            context.TraceIdentifier,
            context.Connection.RemoteIpAddress?.ToString(),
            Force: Forced(context.Request.Query) ?? false);

    /// <summary>
    /// <c>?force=</c> read as <c>true</c> or <c>false</c> in any case; false when absent. Null for anything
    /// else (<c>yes</c>, <c>1</c>, empty, or given twice), which <see cref="UseForceParameterCheck"/> refuses before
    /// any route runs, so a mistyped force never silently means "do not force" (or worse, "force").
    /// </summary>
    public static bool? Forced(IQueryCollection query)
    {
        if (!query.TryGetValue(ForceParameter, out var values))
            return false;
        return values.Count == 1 && values[0] is { } value && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase))
            ? value.Equals("true", StringComparison.OrdinalIgnoreCase)
            : null;
    }

    /// <summary>A 400 naming <c>force</c>, before any route runs (so nothing is written), when a write's <c>?force=</c> is neither true nor false.</summary>
    public static IApplicationBuilder UseForceParameterCheck(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Path.StartsWithSegments("/v1") && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method)
                && Forced(request.Query) is null)
            {
                await Problems.WriteAsync(context, new(StatusCodes.Status400BadRequest,
                    "force must be true or false, given once (?force=true writes past expectation flips). Nothing was done.", ForceParameter));
                return;
            }
            await next(context);
        });

    public static string? TokenId(this ClaimsPrincipal user) => user.FindFirst(ApiScopes.TokenIdClaim)?.Value;
}
