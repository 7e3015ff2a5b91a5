using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Crypto;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.WebConsole;

/// <summary>
/// Console sessions, in the database the instance uses, so any instance serves any session and a
/// restart signs nobody out. The cookie carries a random id; the row is keyed by its SHA-256 and
/// holds the token it stands for sealed (AES-GCM) with a key derived from the id itself
/// (<see cref="KeyDerivation"/>), so the database alone opens no session and shows no token. Every
/// console page checks the token through the API first (<see cref="ConsolePage"/>), and revoking a
/// token deletes its sessions in the revoking transaction (<see cref="ApiTokenStore"/>): it ends
/// them on every instance at once.
/// </summary>
public sealed class ConsoleSessions(IDatabase database, TimeProvider time)
{
    public const string CookieName = "ea_console";

    /// <summary>Idle time after which a session ends; every page view renews it (at most once per <see cref="RenewEvery"/>).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after sign-in, however busy.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(8);

    /// <summary>A page view writes the session's last-seen time only when it is older than this: not a database write per click.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(1);

    const string Purpose = "console session";

    public sealed class Session(string id, string token, DateTimeOffset started)
    {
        public string Id { get; } = id;

        public string Token { get; } = token;

        public DateTimeOffset Started { get; } = started;
    }

    public async Task<Session> StartAsync(string token, string tokenId, CancellationToken cancellationToken = default)
    {
        var id = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var key = Key(id);
        var now = time.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM console_sessions WHERE last_seen < @idle OR started_at < @max", null, cancellationToken,
            ("idle", (now - IdleTimeout).ToUnixTimeMilliseconds()), ("max", (now - MaxLifetime).ToUnixTimeMilliseconds()));
        await connection.ExecuteAsync("INSERT INTO console_sessions (id_hash, token_id, sealed_token, started_at, last_seen) VALUES (@k, @t, @s, @n, @n)", null, cancellationToken,
            ("k", key), ("t", tokenId), ("s", KeyDerivation.Seal(SealingKey(id, key), Encoding.UTF8.GetBytes(token))), ("n", now.ToUnixTimeMilliseconds()));
        return new(id, token, now);
    }

    public async Task<Session?> FindAsync(string? id, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64)
            return null;
        var key = Key(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync("SELECT sealed_token, started_at, last_seen FROM console_sessions WHERE id_hash = @k",
            r => (Sealed: r.GetString(0), Started: DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), LastSeen: DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2))),
            null, cancellationToken, ("k", key));
        if (rows.Count == 0)
            return null;
        var row = rows[0];
        var now = time.GetUtcNow();
        if (now - row.LastSeen > IdleTimeout || now - row.Started > MaxLifetime)
        {
            await connection.ExecuteAsync("DELETE FROM console_sessions WHERE id_hash = @k", null, cancellationToken, ("k", key));
            return null;
        }
        string token;
        try
        {
            token = Encoding.UTF8.GetString(KeyDerivation.Open(SealingKey(id, key), row.Sealed));
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null; // altered in the database: no session, never a token from it
        }
        if (now - row.LastSeen >= RenewEvery)
            await connection.ExecuteAsync("UPDATE console_sessions SET last_seen = @n WHERE id_hash = @k", null, cancellationToken, ("n", now.ToUnixTimeMilliseconds()), ("k", key));
        return new(id, token, row.Started);
    }

    public async Task EndAsync(string? id, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(id))
            return;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM console_sessions WHERE id_hash = @k", null, cancellationToken, ("k", Key(id)));
    }

    // Keyed by a hash, so the ids the database (or a memory dump) shows are not cookies anyone can present.
    static string Key(string id) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    static byte[] SealingKey(string id, string key) => KeyDerivation.Derive(id, Purpose, key);

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
            if (await sessions.FindAsync(context.Request.Cookies[ConsoleSessions.CookieName], context.RequestAborted) is { } session)
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
        // Antiforgery and TempData are protected with keys every instance shares and a restart keeps:
        // the key ring lives in the database (DatabaseKeyRing), under one application name whatever
        // folder an instance runs from (the default name is the content root, different per install).
        services.AddDataProtection().SetApplicationName("edge-allowlist");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new DatabaseKeyRing(sp.GetRequiredService<IDatabase>(), sp.GetRequiredService<TimeProvider>())));
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
