using System.Security.Claims;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

public static class RequestActor
{
    public const string Anonymous = "anonymous";

    /// <summary>The caller as the audit trail names it: the token's name, the request id and the client address.</summary>
    public static Actor ToActor(this HttpContext context) =>
        new(context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name ?? Anonymous : Anonymous,
            context.TraceIdentifier,
            context.Connection.RemoteIpAddress?.ToString());

    public static string? TokenId(this ClaimsPrincipal user) => user.FindFirst(ApiScopes.TokenIdClaim)?.Value;
}
