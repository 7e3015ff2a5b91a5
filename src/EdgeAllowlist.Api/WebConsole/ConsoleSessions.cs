using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.DataProtection;

namespace EdgeAllowlist.Api.WebConsole;

/// <summary>
/// Console sessions, held in this process only: the cookie carries a random id, the token it stands
/// for stays on the server. Every console page checks the token through the API first
/// (<see cref="ConsolePage"/>), so a revoked or expired token ends its session on the next click.
/// Sessions end on restart; behind several instances use sticky sessions.
/// </summary>
public sealed class ConsoleSessions(TimeProvider time)
{
    public const string CookieName = "ea_console";

    /// <summary>Idle time after which a session ends; every page view renews it.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after sign-in, however busy.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(8);

    readonly ConcurrentDictionary<string, Session> sessions = new(StringComparer.Ordinal);

    public sealed class Session(string id, string token, DateTimeOffset started)
    {
        public string Id { get; } = id;

        public string Token { get; } = token;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset LastSeen { get; set; } = started;
    }

    public Session Start(string token)
    {
        Sweep();
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var session = new Session(id, token, time.GetUtcNow());
        sessions[Key(id)] = session;
        return session;
    }

    public Session? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || !sessions.TryGetValue(Key(id), out var session))
            return null;
        var now = time.GetUtcNow();
        if (now - session.LastSeen > IdleTimeout || now - session.Started > MaxLifetime)
        {
            End(id);
            return null;
        }
        session.LastSeen = now;
        return session;
    }

    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id))
            sessions.TryRemove(Key(id), out _);
    }

    void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, session) in sessions)
            if (now - session.LastSeen > IdleTimeout || now - session.Started > MaxLifetime)
                sessions.TryRemove(key, out _);
    }

    // Keyed by a hash, so the ids a memory dump shows are not cookies anyone can present.
    static string Key(string id) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)));

    public static CookieOptions CookieOptions(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/console",
        IsEssential = true,
    };
}

public static class ConsoleMiddleware
{
    public const string SessionClaim = "console_session";

    /// <summary>
    /// For /console: the Content-Security-Policy (no inline script or style, nothing from elsewhere,
    /// no framing), no caching, and the session as the request's user, so antiforgery tokens are bound
    /// to the session they were issued in. <c>/</c> sends a newcomer to the console.
    /// </summary>
    public static IApplicationBuilder UseConsole(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path == "/" && HttpMethods.IsGet(context.Request.Method))
            {
                context.Response.Redirect("/console");
                return;
            }
            if (!context.Request.Path.StartsWithSegments("/console"))
            {
                await next(context);
                return;
            }
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";
                headers.XFrameOptions = "DENY";
                headers.CacheControl = "no-store";
                return Task.CompletedTask;
            });
            var sessions = context.RequestServices.GetRequiredService<ConsoleSessions>();
            if (sessions.Find(context.Request.Cookies[ConsoleSessions.CookieName]) is { } session)
            {
                context.Items[typeof(ConsoleSessions.Session)] = session;
                context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, session.Id), new Claim(SessionClaim, session.Id)], "ConsoleSession"));
            }
            await next(context);
        });

    public static ConsoleSessions.Session? ConsoleSession(this HttpContext context) =>
        context.Items.TryGetValue(typeof(ConsoleSessions.Session), out var session) ? session as ConsoleSessions.Session : null;
}

public static class WebConsoleRegistration
{
    /// <summary>The console's pages (Razor Pages under WebConsole/Pages), its sessions and the in-process API it calls.</summary>
    public static IServiceCollection AddWebConsole(this IServiceCollection services)
    {
        services
            .AddHttpContextAccessor()
            .AddSingleton<ConsoleSessions>()
            .AddSingleton<ApiPipeline>()
            .AddSingleton<InProcessApi>()
            .AddRazorPages(o => o.RootDirectory = "/WebConsole/Pages");
        // Sessions live in memory and end on restart, so antiforgery keys need not outlive the process either.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ea_console_af";
            o.Cookie.Path = "/console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }
}
