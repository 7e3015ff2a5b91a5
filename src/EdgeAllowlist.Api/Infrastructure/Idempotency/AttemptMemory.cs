using System.Text;
using EdgeAllowlist.Api.Infrastructure.Crypto;
using EdgeAllowlist.Api.Infrastructure.Errors;

namespace EdgeAllowlist.Api.Infrastructure.Idempotency;

/// <summary>A value a request makes up before acting on it (a new secret), and what it names (the secret's target).</summary>
public sealed record KeptValue(string Value, string Resource);

/// <summary>
/// What one idempotent request remembers across its attempts. A domain service asks it for a value
/// before acting on it: the first attempt makes one up and it is committed (sealed) before the
/// service acts; an attempt that takes over from one that died (crash, lost database) gets the same
/// value back, so it finishes the same change instead of making a second one nobody will ever see.
/// </summary>
public interface IAttemptMemory
{
    Task<KeptValue> KeepOnceAsync(Func<KeptValue> create, CancellationToken ct);
}

public static class AttemptMemoryExtensions
{
    /// <summary>The request's memory, set by <see cref="IdempotencyMiddleware"/> for a request with a key; none otherwise.</summary>
    public static IAttemptMemory AttemptMemory(this HttpContext context) => context.Features.Get<IAttemptMemory>() ?? NoAttemptMemory.Instance;
}

/// <summary>A request without an Idempotency-Key has no earlier attempt to remember.</summary>
public sealed class NoAttemptMemory : IAttemptMemory
{
    public static readonly NoAttemptMemory Instance = new();

    public Task<KeptValue> KeepOnceAsync(Func<KeptValue> create, CancellationToken ct) => Task.FromResult(create());
}

/// <summary>The memory of a request holding the lease on its idempotency record.</summary>
sealed class RecordAttemptMemory(IDatabase database, IdempotencyRecord record, byte[] sealingKey) : IAttemptMemory
{
    public async Task<KeptValue> KeepOnceAsync(Func<KeptValue> create, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var kept = await connection.QueryAsync("SELECT memo, resource FROM idempotent_requests WHERE token_id = @t AND idem_key = @k AND memo IS NOT NULL",
            r => (Memo: r.GetString(0), Resource: r.GetString(1)), null, ct, record.Key);
        if (kept.Count == 1)
            return new(Encoding.UTF8.GetString(KeyDerivation.Open(sealingKey, kept[0].Memo)), kept[0].Resource);
        var created = create();
        // Only the attempt holding the lease may commit a value, and only once: the other one acts on nothing.
        var stored = await connection.ExecuteAsync(
            "UPDATE idempotent_requests SET memo = @m, resource = @r WHERE token_id = @t AND idem_key = @k AND holder = @a AND memo IS NULL",
            null, CancellationToken.None, [("m", KeyDerivation.Seal(sealingKey, Encoding.UTF8.GetBytes(created.Value))), ("r", created.Resource), .. record.Key, ("a", record.Attempt)]);
        if (stored == 0)
            throw new ProblemException(409, "Another attempt of this request took over its Idempotency-Key; send it again to get that attempt's answer.", IdempotencyMiddleware.HeaderName);
        return created;
    }
}

/// <summary>One request's idempotency record: whose key, and which attempt holds it.</summary>
sealed record IdempotencyRecord(string TokenId, string IdempotencyKey, string Attempt)
{
    public (string, object?)[] Key => [("t", TokenId), ("k", IdempotencyKey)];
}
