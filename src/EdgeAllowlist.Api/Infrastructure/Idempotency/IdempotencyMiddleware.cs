using System.Security.Cryptography;
using System.Text;
using EdgeAllowlist.Api.Infrastructure.Auth;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Idempotency;

public sealed class IdempotencyOptions
{
    /// <summary>
    /// How long a request with a key may stay unfinished before a retry takes it over: its process
    /// died (crash, kill) without recording an answer, and recovery has already settled its write.
    /// Longer than any request runs, so a live request is never run twice.
    /// </summary>
    public TimeSpan InProgressLease { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// <c>Idempotency-Key</c> on POST: the first request with a key runs and its response is kept; a
/// retry with the same key and the same request gets that response again without running twice; the
/// same key with a different request is refused (422). Keys are per token. A kept response may hold
/// a secret shown once, so it is stored encrypted (AES-GCM) under a key derived from the caller's
/// bearer token, which the database never holds: only the same caller can get it replayed.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IDatabase database, TimeProvider time, IOptions<IdempotencyOptions> options)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotency-Replayed";

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[HeaderName].ToString();
        var tokenId = context.User.TokenId();
        if (!HttpMethods.IsPost(context.Request.Method) || key.Length == 0 || tokenId is null)
        {
            await next(context);
            return;
        }
        if (key.Length > 255 || key.Any(c => c < 0x21 || c > 0x7e))
        {
            await Problem(context, 400, "Idempotency-Key must be 1 to 255 visible ASCII characters.");
            return;
        }
        context.Request.EnableBuffering();
        var requestHash = await HashRequestAsync(context.Request);
        context.Request.Body.Position = 0;

        await using var connection = await database.OpenAsync(context.RequestAborted);
        var now = time.GetUtcNow();
        var inserted = await connection.ExecuteAsync(
            "INSERT INTO idempotency_records (token_id, idem_key, request_hash, created_at) VALUES (@t, @k, @h, @c) ON CONFLICT (token_id, idem_key) DO NOTHING",
            null, context.RequestAborted, ("t", tokenId), ("k", key), ("h", requestHash), ("c", now.ToUnixTimeMilliseconds()));
        if (inserted == 0)
            inserted = await connection.ExecuteAsync(
                "UPDATE idempotency_records SET created_at = @c WHERE token_id = @t AND idem_key = @k AND request_hash = @h AND status IS NULL AND created_at < @lease",
                null, context.RequestAborted, ("c", now.ToUnixTimeMilliseconds()), ("t", tokenId), ("k", key), ("h", requestHash),
                ("lease", (now - options.Value.InProgressLease).ToUnixTimeMilliseconds()));
        if (inserted == 0)
        {
            await ReplayAsync(context, connection, tokenId, key, requestHash);
            return;
        }

        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            await connection.ExecuteAsync("DELETE FROM idempotency_records WHERE token_id = @t AND idem_key = @k", null, CancellationToken.None, ("t", tokenId), ("k", key));
            throw;
        }
        finally
        {
            context.Response.Body = original;
        }
        var status = context.Response.StatusCode;
        if (IsFinal(status))
            await connection.ExecuteAsync(
                "UPDATE idempotency_records SET status = @s, content_type = @ct, body = @b WHERE token_id = @t AND idem_key = @k",
                null, CancellationToken.None, ("s", (long)status), ("ct", context.Response.ContentType), ("b", Seal(context, key, buffer.ToArray())), ("t", tokenId), ("k", key));
        else
            await connection.ExecuteAsync("DELETE FROM idempotency_records WHERE token_id = @t AND idem_key = @k", null, CancellationToken.None, ("t", tokenId), ("k", key));
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>Outcomes a retry must see again; transient ones (5xx, 408, 409, 429) let the retry run anew.</summary>
    static bool IsFinal(int status) => status is >= 200 and < 500 and not (408 or 409 or 429);

    static async Task ReplayAsync(HttpContext context, DbConnection connection, string tokenId, string key, string requestHash)
    {
        var rows = await connection.QueryAsync(
            "SELECT request_hash, status, content_type, body FROM idempotency_records WHERE token_id = @t AND idem_key = @k",
            r => (Hash: r.GetString(0), Status: r.NullableInt64(1), ContentType: r.NullableString(2), Body: r.NullableString(3)),
            null, context.RequestAborted, ("t", tokenId), ("k", key));
        if (rows.Count == 0)
        {
            await Problem(context, 409, "A request with this Idempotency-Key just failed; send it again.");
            return;
        }
        var record = rows[0];
        if (record.Hash != requestHash)
        {
            await Problem(context, 422, "This Idempotency-Key was already used for a different request.");
            return;
        }
        if (record.Status is null)
        {
            await Problem(context, 409, "A request with this Idempotency-Key is still in progress.");
            return;
        }
        context.Response.StatusCode = (int)record.Status.Value;
        context.Response.ContentType = record.ContentType;
        context.Response.Headers[ReplayedHeader] = "true";
        if (record.Body is not null)
            await context.Response.Body.WriteAsync(Open(context, key, record.Body), context.RequestAborted);
    }

    static async Task<string> HashRequestAsync(HttpRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            hash.AppendData(chunk, 0, read);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    static byte[] DeriveKey(HttpContext context, string idempotencyKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()), 32,
            Encoding.UTF8.GetBytes(idempotencyKey), "edge-allowlist idempotent response"u8.ToArray());

    static string Seal(HttpContext context, string idempotencyKey, byte[] plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using var aes = new AesGcm(DeriveKey(context, idempotencyKey), tag.Length);
        aes.Encrypt(nonce, plaintext, ciphertext, tag);
        return Convert.ToBase64String([.. nonce, .. tag, .. ciphertext]);
    }

    static byte[] Open(HttpContext context, string idempotencyKey, string sealedBody)
    {
        var bytes = Convert.FromBase64String(sealedBody);
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        var plaintext = new byte[bytes.Length - nonceSize - tagSize];
        using var aes = new AesGcm(DeriveKey(context, idempotencyKey), tagSize);
        aes.Decrypt(bytes.AsSpan(0, nonceSize), bytes.AsSpan(nonceSize + tagSize), bytes.AsSpan(nonceSize, tagSize), plaintext);
        return plaintext;
    }

    static Task Problem(HttpContext context, int status, string detail) =>
        TypedResults.Problem(detail, statusCode: status, extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [HeaderName] = [detail] } })
            .ExecuteAsync(context);
}
