using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

public sealed record ApiToken(
    string Id,
    string Name,
    string Hash,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Partners,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt)
{
    /// <summary>Enough of the hash to tell tokens apart in lists and in the audit trail; useless to an attacker.</summary>
    public string Fingerprint => Hash[..12];

    public bool IsActiveAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);
}

/// <summary>
/// API tokens: 256 random bits, base64url, behind the prefix <c>eaat_</c> so secret scanners can find
/// a leaked one. Only the SHA-256 of a token is stored; a plain hash is enough because the token is
/// random and long, so there is nothing to brute-force.
/// A token that authenticated is remembered for <see cref="CacheDuration"/>, so a busy client costs no
/// database round trip per request. That bounds the revocation delay: the instance that revokes forgets
/// the token at once; another instance sharing the database accepts it for at most that long. Expiry
/// is checked on every request against the remembered token, so it is exact. Unknown tokens are never
/// remembered (a guesser cannot fill the memory, and a new token works at once).
/// </summary>
public sealed class ApiTokenStore(IDatabase database, AuditTrail audit, TimeProvider time)
{
    public const string Prefix = "eaat_";
    const string Columns = "id, name, hash, scopes, partners, created_at, created_by, expires_at, last_used_at, revoked_at";
    static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    /// <summary>How long an authenticated token is remembered: the longest another instance may still accept a revoked one.</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(5);

    // By token hash: the token as last read and when it was read.
    readonly ConcurrentDictionary<string, (ApiToken Token, DateTimeOffset ReadAt)> remembered = new(StringComparer.Ordinal);

    public static string NewToken() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    public static bool LooksLikeToken(string token) => token.Length is >= 32 and <= 256 && token.All(c => c > ' ' && c < 127);

    /// <summary>Stores a token and audits its creation in one transaction; returns the stored metadata.</summary>
    public Task<ApiToken> CreateAsync(string token, string name, IReadOnlyList<string> scopes, IReadOnlyList<string> partners, DateTimeOffset? expiresAt, Actor actor, string action, CancellationToken cancellationToken = default)
    {
        var created = NewRecord(token, name, scopes, partners, expiresAt, actor);
        return database.WriteLockedAsync(async (connection, transaction) =>
        {
            await InsertAsync(connection, transaction, created, cancellationToken);
            await audit.AppendAsync(connection, transaction, [new AuditRecord(actor.Name, action, created.Id, AuditOutcome.Success,
                After: Describe(created), RequestId: actor.RequestId, Client: actor.Client)], cancellationToken);
            return created;
        }, cancellationToken);
    }

    /// <summary>
    /// Recovery for a lost admin token: in one transaction revokes every active token that carries
    /// <see cref="ApiScopes.TokensAdmin"/> (each audited as <c>token.revoke</c>) and stores
    /// <paramref name="token"/> with every scope, audited as <c>token.reset</c>.
    /// </summary>
    public Task<(ApiToken Created, IReadOnlyList<ApiToken> Revoked)> ResetAdminAsync(string token, string name, Actor actor, CancellationToken cancellationToken = default)
    {
        var created = NewRecord(token, name, ApiScopes.All, [], null, actor);
        return database.WriteLockedAsync(async (connection, transaction) =>
        {
            var now = time.GetUtcNow();
            var admins = (await connection.QueryAsync($"SELECT {Columns} FROM api_tokens WHERE revoked_at IS NULL", Read, transaction, cancellationToken))
                .Where(t => t.IsActiveAt(now) && t.Scopes.Contains(ApiScopes.TokensAdmin))
                .ToList();
            var records = new List<AuditRecord>();
            foreach (var before in admins)
            {
                await connection.ExecuteAsync("UPDATE api_tokens SET revoked_at = @t WHERE id = @id", transaction, cancellationToken, ("t", now.ToUnixTimeMilliseconds()), ("id", before.Id));
                await EndConsoleSessionsAsync(connection, transaction, before.Id, cancellationToken);
                records.Add(new(actor.Name, AuditActions.TokenRevoke, before.Id, AuditOutcome.Success, Describe(before), Describe(before with { RevokedAt = now }),
                    actor.RequestId, actor.Client, Detail: "admin reset-token"));
            }
            await InsertAsync(connection, transaction, created, cancellationToken);
            records.Add(new(actor.Name, AuditActions.TokenReset, created.Id, AuditOutcome.Success, After: Describe(created), RequestId: actor.RequestId, Client: actor.Client,
                Detail: $"admin reset-token: revoked {admins.Count} admin token(s)"));
            await audit.AppendAsync(connection, transaction, records, cancellationToken);
            return (created, (IReadOnlyList<ApiToken>)admins);
        }, cancellationToken);
    }

    ApiToken NewRecord(string token, string name, IReadOnlyList<string> scopes, IReadOnlyList<string> partners, DateTimeOffset? expiresAt, Actor actor) =>
        new($"tok_{Base64Url(RandomNumberGenerator.GetBytes(9))}", name, Hash(token), scopes, partners, time.GetUtcNow(), actor.Name, expiresAt, null, null);

    static Task InsertAsync(DbConnection connection, DbTransaction transaction, ApiToken created, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(
            $"INSERT INTO api_tokens ({Columns}) VALUES (@id, @name, @hash, @scopes, @partners, @created, @by, @expires, NULL, NULL)",
            transaction, cancellationToken,
            ("id", created.Id), ("name", created.Name), ("hash", created.Hash), ("scopes", string.Join(' ', created.Scopes)),
            ("partners", created.Partners.Count == 0 ? null : string.Join(' ', created.Partners)), ("created", created.CreatedAt.ToUnixTimeMilliseconds()),
            ("by", created.CreatedBy), ("expires", created.ExpiresAt?.ToUnixTimeMilliseconds()));

    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ScalarAsync("SELECT 1 FROM api_tokens LIMIT 1", cancellationToken: cancellationToken) is not null;
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryAsync($"SELECT {Columns} FROM api_tokens ORDER BY created_at, id", Read, cancellationToken: cancellationToken);
    }

    /// <summary>The token with this id, active or not; null when there is none.</summary>
    public async Task<ApiToken?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync($"SELECT {Columns} FROM api_tokens WHERE id = @id", Read, null, cancellationToken, ("id", id))).FirstOrDefault();
    }

    /// <summary>
    /// The token whose hash matches, compared in constant time, active or not (the caller says why an
    /// inactive one is refused); null when no token has that value. Only an active one is marked as used.
    /// </summary>
    public async Task<ApiToken?> AuthenticateAsync(string presented, CancellationToken cancellationToken = default)
    {
        var hash = Hash(presented);
        var now = time.GetUtcNow();
        // The dictionary finds the entry by hash; the comparison that decides is constant-time over the whole hash, as for the database row.
        if (remembered.TryGetValue(hash, out var cached) && now - cached.ReadAt < CacheDuration
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cached.Token.Hash), Encoding.ASCII.GetBytes(hash))
            && (!cached.Token.IsActiveAt(now) || !NeedsLastUsed(cached.Token, now)))
            return cached.Token;

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync($"SELECT {Columns} FROM api_tokens WHERE hash = @h", Read, null, cancellationToken, ("h", hash));
        // The index finds the row; the comparison that decides is constant-time over the whole hash.
        var token = rows.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(t.Hash), Encoding.ASCII.GetBytes(hash)));
        if (token is null || !token.IsActiveAt(now))
        {
            remembered.TryRemove(hash, out _);
            return token;
        }
        if (NeedsLastUsed(token, now))
        {
            await connection.ExecuteAsync("UPDATE api_tokens SET last_used_at = @t WHERE id = @id", null, cancellationToken, ("t", now.ToUnixTimeMilliseconds()), ("id", token.Id));
            token = token with { LastUsedAt = now };
        }
        remembered[hash] = (token, now);
        return token;
    }

    /// <summary>A revoked token's console sessions end with it, on every instance (they share the table), not when each next checks the token.</summary>
    static Task EndConsoleSessionsAsync(DbConnection connection, DbTransaction transaction, string tokenId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("DELETE FROM console_sessions WHERE token_id = @id", transaction, cancellationToken, ("id", tokenId));

    static bool NeedsLastUsed(ApiToken token, DateTimeOffset now) => token.LastUsedAt is null || now - token.LastUsedAt > LastUsedResolution;

    /// <summary>Revokes and audits in one transaction; false when no such token exists.</summary>
    public async Task<ApiToken?> RevokeAsync(string id, Actor actor, CancellationToken cancellationToken = default)
    {
        var revoked = await database.WriteLockedAsync(async (connection, transaction) =>
        {
            var rows = await connection.QueryAsync($"SELECT {Columns} FROM api_tokens WHERE id = @id", Read, transaction, cancellationToken, ("id", id));
            if (rows.Count == 0)
                return null;
            var before = rows[0];
            if (before.RevokedAt is not null)
                return before;
            var revoked = before with { RevokedAt = time.GetUtcNow() };
            await connection.ExecuteAsync("UPDATE api_tokens SET revoked_at = @t WHERE id = @id", transaction, cancellationToken, ("t", revoked.RevokedAt!.Value.ToUnixTimeMilliseconds()), ("id", id));
            await EndConsoleSessionsAsync(connection, transaction, id, cancellationToken);
            await audit.AppendAsync(connection, transaction, [new AuditRecord(actor.Name, AuditActions.TokenRevoke, id, AuditOutcome.Success,
                Describe(before), Describe(revoked), actor.RequestId, actor.Client)], cancellationToken);
            return revoked;
        }, cancellationToken);
        // This instance stops accepting it now, not when the entry would have aged out. After the
        // commit: a check that read the row before it would otherwise remember it as active.
        if (revoked is not null)
            remembered.TryRemove(revoked.Hash, out _);
        return revoked;
    }

    static string Describe(ApiToken token) => System.Text.Json.JsonSerializer.Serialize(new
    {
        token.Name,
        token.Fingerprint,
        Scopes = token.Scopes,
        Partners = token.Partners,
        token.ExpiresAt,
        token.RevokedAt,
    });

    static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    static ApiToken Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2),
        r.GetString(3).Split(' ', StringSplitOptions.RemoveEmptyEntries),
        r.NullableString(4)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [],
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)), r.GetString(6),
        r.NullableInt64(7) is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
        r.NullableInt64(8) is { } u ? DateTimeOffset.FromUnixTimeMilliseconds(u) : null,
        r.NullableInt64(9) is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null);
}
