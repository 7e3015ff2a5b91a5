using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Crypto;
using EdgeAllowlist.Api.Infrastructure.Errors;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Idempotency;

public sealed class IdempotencyOptions : Configuration.ISettings
{
    public static string Section => "Idempotency";

    /// <summary>
    /// How long an unfinished request holds its key without renewing it. The live request renews
    /// it every third of this; one whose process died, or which lost its database, frees the key at
    /// most this long after its last renewal, and a retry then takes over.
    /// </summary>
    public TimeSpan InProgressLease { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (InProgressLease <= TimeSpan.Zero) yield return (nameof(InProgressLease), $"must be positive (got {InProgressLease})");
    }
}

/// <summary>
/// <c>Idempotency-Key</c> on POST: the first request with a key runs and its answer is kept (status,
/// the headers that matter and the body, problem bodies included); a retry with the same key and the
/// same request gets that answer again without running twice; the same key with a different request
/// is refused (422). Keys are per token. While a request runs it holds a short, renewed lease on its
/// key (<see cref="IdempotencyOptions.InProgressLease"/>); a retry meanwhile gets 409 with
/// <c>Retry-After</c>. A kept answer may show a secret once, so it is sealed (AES-GCM) under a key
/// derived from the caller's bearer token, which the database never holds: only that caller can
/// have it replayed. A key whose secret was revoked since answers 409 instead of the dead secret.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IDatabase database, TimeProvider time, IOptions<IdempotencyOptions> options, ILogger<IdempotencyMiddleware> logger)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotency-Replayed";

    // Per request or per connection, not part of the answer: a replay gets its own.
    static readonly HashSet<string> UnkeptHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "X-Request-Id", "Date", "Server", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Set-Cookie", ReplayedHeader,
    };

    TimeSpan Lease => options.Value.InProgressLease;

    public async Task InvokeAsync(HttpContext context)
    {
        var key = context.Request.Headers[HeaderName].ToString();
        var tokenId = context.User.TokenId();
        if (!HttpMethods.IsPost(context.Request.Method) || key.Length == 0 || tokenId is null || PresentedToken.Of(context) is not { } token)
        {
            await next(context);
            return;
        }
        if (key.Length > 255 || key.Any(c => c < 0x21 || c > 0x7e))
        {
            await Problems.WriteAsync(context, new(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.", HeaderName));
            return;
        }
        context.Request.EnableBuffering();
        var requestHash = await HashRequestAsync(context.Request);
        context.Request.Body.Position = 0;
        var record = new IdempotencyRecord(tokenId, key, Guid.NewGuid().ToString("N"));
        var sealingKey = KeyDerivation.Derive(token, "idempotent request", key);

        if (!await AcquireAsync(record, requestHash, context.RequestAborted))
        {
            try
            {
                await ReplayAsync(context, record, requestHash, sealingKey);
            }
            catch (ProblemException problem)
            {
                await Problems.WriteAsync(context, problem);
            }
            return;
        }
        context.Features.Set<IAttemptMemory>(new RecordAttemptMemory(database, record, sealingKey));
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        using var stopRenewing = new CancellationTokenSource();
        var renewing = RenewAsync(record, stopRenewing.Token);
        try
        {
            await next(context);
        }
        catch
        {
            await ReleaseAsync(record);
            throw;
        }
        finally
        {
            context.Response.Body = original;
            await stopRenewing.CancelAsync();
            await renewing;
        }
        var status = context.Response.StatusCode;
        if (IsFinal(status))
            await KeepAsync(context, record, sealingKey, buffer.ToArray());
        else
            await ReleaseAsync(record);
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>Outcomes a retry must see again; transient ones (5xx, 408, 409, 429) let the retry run anew.</summary>
    static bool IsFinal(int status) => status is >= 200 and < 500 and not (408 or 409 or 429);

    /// <summary>
    /// Takes the key: a new record, or one past the retention window that holds nothing to end, or
    /// the lease of an unfinished attempt of the same request that stopped renewing it.
    /// </summary>
    async Task<bool> AcquireAsync(IdempotencyRecord record, string requestHash, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var now = time.GetUtcNow();
        await connection.ExecuteAsync(
            $"DELETE FROM idempotent_requests WHERE token_id = @t AND idem_key = @k AND created_at < @cutoff AND {IdempotencyCleanup.Forgettable}",
            null, ct, [.. record.Key, ("cutoff", (now - IdempotencyCleanup.Retention).ToUnixTimeMilliseconds())]);
        var leaseUntil = (now + Lease).ToUnixTimeMilliseconds();
        var inserted = await connection.ExecuteAsync(
            "INSERT INTO idempotent_requests (token_id, idem_key, request_hash, created_at, holder, lease_until) VALUES (@t, @k, @h, @c, @a, @l) ON CONFLICT (token_id, idem_key) DO NOTHING",
            null, ct, [.. record.Key, ("h", requestHash), ("c", now.ToUnixTimeMilliseconds()), ("a", record.Attempt), ("l", leaseUntil)]);
        if (inserted > 0)
            return true;
        var takenOver = await connection.ExecuteAsync(
            "UPDATE idempotent_requests SET holder = @a, lease_until = @l WHERE token_id = @t AND idem_key = @k AND request_hash = @h AND status IS NULL AND retired_at IS NULL AND lease_until < @now",
            null, ct, [.. record.Key, ("a", record.Attempt), ("l", leaseUntil), ("h", requestHash), ("now", now.ToUnixTimeMilliseconds())]);
        return takenOver > 0;
    }

    /// <summary>Keeps the lease while the request runs; a renewal that fails (database away) is tried again at the next tick.</summary>
    async Task RenewAsync(IdempotencyRecord record, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(Lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await using var connection = await database.OpenAsync(stop);
                    await connection.ExecuteAsync("UPDATE idempotent_requests SET lease_until = @l WHERE token_id = @t AND idem_key = @k AND holder = @a",
                        null, stop, [.. record.Key, ("a", record.Attempt), ("l", (time.GetUtcNow() + Lease).ToUnixTimeMilliseconds())]);
                }
                catch (DbException e)
                {
                    logger.LogWarning(e, "Could not renew the lease on an Idempotency-Key; a retry may take over once it ends");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    async Task KeepAsync(HttpContext context, IdempotencyRecord record, byte[] sealingKey, byte[] body)
    {
        var headers = context.Response.Headers.Where(h => !UnkeptHeaders.Contains(h.Key)).ToDictionary(h => h.Key, h => h.Value.ToArray());
        var answer = JsonSerializer.SerializeToUtf8Bytes(new KeptAnswer(headers, body));
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(
            "UPDATE idempotent_requests SET status = @s, answer = @b, holder = NULL WHERE token_id = @t AND idem_key = @k AND holder = @a",
            null, CancellationToken.None, [.. record.Key, ("s", (long)context.Response.StatusCode), ("b", KeyDerivation.Seal(sealingKey, answer)), ("a", record.Attempt)]);
    }

    /// <summary>Frees the key at once for a retry; what the attempt kept (a secret it may have stored) stays for that retry.</summary>
    async Task ReleaseAsync(IdempotencyRecord record)
    {
        try
        {
            await using var connection = await database.OpenAsync(CancellationToken.None);
            await connection.ExecuteAsync("UPDATE idempotent_requests SET holder = NULL, lease_until = 0 WHERE token_id = @t AND idem_key = @k AND holder = @a",
                null, CancellationToken.None, [.. record.Key, ("a", record.Attempt)]);
        }
        catch (DbException e)
        {
            logger.LogWarning(e, "Could not release an Idempotency-Key; its lease ends on its own");
        }
    }

    async Task ReplayAsync(HttpContext context, IdempotencyRecord record, string requestHash, byte[] sealingKey)
    {
        await using var connection = await database.OpenAsync(context.RequestAborted);
        var rows = await connection.QueryAsync(
            "SELECT request_hash, status, answer, retired_at, lease_until, resource FROM idempotent_requests WHERE token_id = @t AND idem_key = @k",
            r => (Hash: r.GetString(0), Status: r.NullableInt64(1), Answer: r.NullableString(2), Retired: r.NullableInt64(3), LeaseUntil: r.GetInt64(4), Resource: r.NullableString(5)),
            null, context.RequestAborted, record.Key);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (rows.Count == 0)
            throw new ProblemException(409, "A request with this Idempotency-Key just failed; send it again.", HeaderName);
        var kept = rows[0];
        if (kept.Hash != requestHash)
            throw new ProblemException(422, "This Idempotency-Key was already used for a different request.", HeaderName);
        if (kept.Retired is not null)
            throw new ProblemException(409,
                $"This Idempotency-Key was already used, and the secret it issued ({kept.Resource}) has been revoked or has expired since; send a new Idempotency-Key to issue a new one.", HeaderName);
        if (kept.Status is null)
        {
            var wait = Math.Max(1, (long)Math.Ceiling((kept.LeaseUntil - now) / 1000.0));
            throw new ProblemException(409, "A request with this Idempotency-Key is still in progress.", HeaderName,
                new Dictionary<string, string> { ["Retry-After"] = wait.ToString(CultureInfo.InvariantCulture) });
        }
        KeptAnswer answer;
        try
        {
            answer = JsonSerializer.Deserialize<KeptAnswer>(KeyDerivation.Open(sealingKey, kept.Answer!))!;
        }
        catch (CryptographicException)
        {
            throw new ProblemException(422, "The answer kept for this Idempotency-Key cannot be opened with this token.", HeaderName);
        }
        context.Response.StatusCode = (int)kept.Status.Value;
        foreach (var (name, values) in answer.Headers)
            context.Response.Headers[name] = values;
        context.Response.Headers[ReplayedHeader] = "true";
        if (answer.Body.Length > 0)
            await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
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

    /// <summary>An answer as it was sent, sealed as a whole: the headers may name what the body shows.</summary>
    sealed record KeptAnswer(Dictionary<string, string?[]> Headers, byte[] Body);
}
