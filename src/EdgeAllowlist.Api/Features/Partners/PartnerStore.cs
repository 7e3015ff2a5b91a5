using System.Security.Cryptography;
using System.Text;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Partners;

sealed record Partner(string Id, string Scope, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>A secret as lists show it: never the secret, never its full hash.</summary>
sealed record SecretMetadata(string Id, string Partner, string Fingerprint, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)
{
    public string State(DateTimeOffset now) => RevokedAt is not null ? "revoked" : ExpiresAt <= now ? "expired" : ExpiresAt is not null ? "expiring" : "active";
}

/// <summary>
/// Partners (a name and a scope) and the metadata of their secrets, in the database. A secret is
/// <c>ealp_</c> + 43 base64url characters (256 random bits) as function/README.md requires; only its
/// SHA-256 is kept, as the KVS key <c>x:&lt;sha256&gt;</c>, and shown in lists as a 12-character fingerprint.
/// </summary>
sealed class PartnerStore(IDatabase database, AuditTrail audit, TimeProvider time)
{
    public const string SecretPrefix = "ealp_";
    public static readonly string[] Scopes = ["manifests", "all"];

    public static string NewSecret() => SecretPrefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string NewSecretId() => "sec_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(9));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string Fingerprint(string hash) => hash[..12];

    public Task<Partner?> CreateAsync(string id, string scope, Actor actor, CancellationToken ct) =>
        database.WriteLockedAsync(async (connection, transaction) =>
        {
            if (await connection.ScalarAsync("SELECT 1 FROM partners WHERE id = @id", transaction, ct, ("id", id)) is not null)
                return null;
            var partner = new Partner(id, scope, time.GetUtcNow(), actor.Name);
            await connection.ExecuteAsync("INSERT INTO partners (id, scope, created_at, created_by) VALUES (@id, @scope, @at, @by)", transaction, ct,
                ("id", id), ("scope", scope), ("at", partner.CreatedAt.ToUnixTimeMilliseconds()), ("by", actor.Name));
            await audit.AppendAsync(connection, transaction, [new AuditRecord(actor.Name, "partner.create", id, AuditOutcome.Success,
                After: $$"""{"scope":"{{scope}}"}""", RequestId: actor.RequestId, Client: actor.Client)], ct);
            return partner;
        }, ct);

    public async Task<IReadOnlyList<Partner>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QueryAsync("SELECT id, scope, created_at, created_by FROM partners ORDER BY id", ReadPartner, cancellationToken: ct);
    }

    public async Task<Partner?> FindAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync("SELECT id, scope, created_at, created_by FROM partners WHERE id = @id", ReadPartner, null, ct, ("id", id))).SingleOrDefault();
    }

    public async Task<IReadOnlyList<(SecretMetadata Metadata, string Hash)>> SecretsAsync(string partner, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QueryAsync(
            "SELECT id, partner, hash, created_at, created_by, expires_at, revoked_at FROM partner_secrets WHERE partner = @p ORDER BY created_at, id",
            ReadSecret, null, ct, ("p", partner));
    }

    /// <summary>Records a new secret's metadata before its key is written, so a key in the store always has an owner here.</summary>
    public async Task AddSecretAsync(SecretMetadata secret, string hash, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(
            "INSERT INTO partner_secrets (id, partner, hash, created_at, created_by, expires_at) VALUES (@id, @p, @h, @at, @by, @exp)", null, ct,
            ("id", secret.Id), ("p", secret.Partner), ("h", hash), ("at", secret.CreatedAt.ToUnixTimeMilliseconds()), ("by", secret.CreatedBy),
            ("exp", secret.ExpiresAt?.ToUnixTimeMilliseconds()));
    }

    public async Task ForgetSecretAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync("DELETE FROM partner_secrets WHERE id = @id", null, ct, ("id", id));
    }

    public async Task SetExpiryAsync(IEnumerable<string> ids, DateTimeOffset expires, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        foreach (var id in ids)
            await connection.ExecuteAsync("UPDATE partner_secrets SET expires_at = @e WHERE id = @id AND (expires_at IS NULL OR expires_at > @e)", null, ct,
                ("e", expires.ToUnixTimeMilliseconds()), ("id", id));
    }

    public async Task MarkRevokedAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        foreach (var id in ids)
            await connection.ExecuteAsync("UPDATE partner_secrets SET revoked_at = @t WHERE id = @id AND revoked_at IS NULL", null, ct,
                ("t", time.GetUtcNow().ToUnixTimeMilliseconds()), ("id", id));
    }

    static Partner ReadPartner(DbDataReader r) => new(r.GetString(0), r.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)), r.GetString(3));

    static (SecretMetadata, string) ReadSecret(DbDataReader r) => (new(
        r.GetString(0), r.GetString(1), Fingerprint(r.GetString(2)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetString(4),
        r.NullableInt64(5) is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
        r.NullableInt64(6) is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null), r.GetString(2));
}
