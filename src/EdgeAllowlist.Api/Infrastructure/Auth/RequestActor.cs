using System.Security.Claims;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;

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
            Force: context.Request.Query.TryGetValue(ForceParameter, out var force) && bool.TryParse(force.ToString(), out var forced) && forced);

    public static string? TokenId(this ClaimsPrincipal user) => user.FindFirst(ApiScopes.TokenIdClaim)?.Value;
}
