using Scalar.AspNetCore;

namespace EdgeAllowlist.Api.Infrastructure.OpenApi;

/// <summary>
/// /docs (Scalar) shares the console's origin, and people paste a bearer token into it, so it gets
/// the console's protection: no framing (clickjacking), scripts only from here and only the page's
/// own inline one (by the per-request nonce Scalar puts on it), nothing fetched from elsewhere, so it
/// works offline. Styles stay 'unsafe-inline': Scalar's components set them at run time, and a style
/// cannot read a token.
/// </summary>
public static class DocsSecurityHeaders
{
    public const string Path = "/docs";

    public static string Policy(string? nonce) =>
        $"default-src 'self'; script-src 'self'{(nonce is null ? "" : $" 'nonce-{nonce}'")}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";

    public static IApplicationBuilder UseDocsSecurityHeaders(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(Path))
            {
                context.Response.OnStarting(() =>
                {
                    var headers = context.Response.Headers;
                    headers.ContentSecurityPolicy = Policy(context.Items[ScalarOptions.NonceHttpContextItemKey] as string);
                    headers.XFrameOptions = "DENY";
                    return Task.CompletedTask;
                });
            }
            await next(context);
        });
}
