using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeAllowlist.Testing;

/// <summary>
/// The IAM Identity Center (SSO) portal on 127.0.0.1 and a random port, reached by the AWS SDK through
/// <c>AWS_ENDPOINT_URL_SSO</c>: <c>GetRoleCredentials</c> (rest-json, <c>GET /federation/credentials</c>,
/// not signed: the cached access token in <c>x-amz-sso_bearer_token</c> is the proof). It checks the token,
/// account and role, refuses with the service's own error shape, and hands out <c>issued</c> for one hour.
/// </summary>
public sealed class FakeSsoPortal : IAsyncDisposable
{
    public const string Region = "us-east-1";
    public const string StartUrl = "https://d-9067000000.awsapps.com/start";

    readonly WebApplication app;

    FakeSsoPortal(WebApplication app, Uri endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>Every call as <c>GetRoleCredentials</c> plus its outcome (<c>issued</c> or the error type).</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public static async Task<FakeSsoPortal> StartAsync(string accessToken, string accountId, string roleName, ImmutableCredentials issued)
    {
        FakeSsoPortal? portal = null;
        var (app, address) = await LoopbackHost.StartAsync(app => app.MapGet("/federation/credentials", async context =>
        {
            var query = context.Request.Query;
            var refusal = context.Request.Headers["x-amz-sso_bearer_token"].ToString() != accessToken
                ? (401, "UnauthorizedException", "Session token not found or invalid")
                : query["account_id"] != accountId || query["role_name"] != roleName
                    ? (403, "ForbiddenException", "No access")
                    : default((int Status, string Type, string Message)?);
            portal!.Calls.Enqueue($"GetRoleCredentials {refusal?.Type ?? "issued"}");
            context.Response.ContentType = "application/json";
            if (refusal is var (status, type, message))
            {
                context.Response.StatusCode = status;
                context.Response.Headers["x-amzn-ErrorType"] = $"{type}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/";
                await context.Response.WriteAsync(JsonSerializer.Serialize(new { message }));
                return;
            }
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                roleCredentials = new
                {
                    accessKeyId = issued.AccessKey,
                    secretAccessKey = issued.SecretKey,
                    sessionToken = issued.Token,
                    expiration = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(),
                },
            }));
        }));
        portal = new(app, address);
        return portal;
    }

    /// <summary>
    /// Writes what <c>aws sso login</c> leaves behind for an <c>sso-session</c> profile: the config file and the
    /// cached token at <c>&lt;home&gt;/.aws/sso/cache/&lt;sha1 of the session name&gt;.json</c>. Returns the config file.
    /// </summary>
    public static string WriteSsoSessionProfile(string home, string profile, string session, string accountId, string roleName, string accessToken, DateTimeOffset expiresAt) =>
        WriteProfile(home, $"""
            [profile {profile}]
            sso_session = {session}
            sso_account_id = {accountId}
            sso_role_name = {roleName}
            region = {Region}

            [sso-session {session}]
            sso_start_url = {StartUrl}
            sso_region = {Region}
            sso_registration_scopes = sso:account:access

            """, session, accessToken, expiresAt);

    /// <summary>The legacy form (<c>sso_start_url</c> in the profile itself): the cache file is named by the SHA-1 of the start URL.</summary>
    public static string WriteLegacyProfile(string home, string profile, string accountId, string roleName, string accessToken, DateTimeOffset expiresAt) =>
        WriteProfile(home, $"""
            [profile {profile}]
            sso_start_url = {StartUrl}
            sso_region = {Region}
            sso_account_id = {accountId}
            sso_role_name = {roleName}
            region = {Region}

            """, StartUrl, accessToken, expiresAt);

    static string WriteProfile(string home, string configText, string cacheKey, string accessToken, DateTimeOffset expiresAt)
    {
        var config = Path.Combine(home, ".aws", "config");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, configText);
        WriteCachedToken(home, cacheKey, accessToken, expiresAt);
        return config;
    }

    static void WriteCachedToken(string home, string cacheKey, string accessToken, DateTimeOffset expiresAt)
    {
        var cache = Path.Combine(home, ".aws", "sso", "cache");
        Directory.CreateDirectory(cache);
        var name = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(cacheKey))) + ".json";
        File.WriteAllText(Path.Combine(cache, name), JsonSerializer.Serialize(new
        {
            startUrl = StartUrl,
            region = Region,
            accessToken,
            expiresAt = expiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        }));
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
