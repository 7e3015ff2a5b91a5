namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>
/// The schema, in DDL that SQLite and PostgreSQL both accept (TEXT and BIGINT only; times are Unix
/// milliseconds), so there is one schema to read and no per-provider drift.
/// </summary>
public static class DatabaseSchema
{
    static readonly string[] Statements =
    [
        """
        CREATE TABLE IF NOT EXISTS api_tokens (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE,
            scopes TEXT NOT NULL,
            partners TEXT NULL,
            created_at BIGINT NOT NULL,
            created_by TEXT NOT NULL,
            expires_at BIGINT NULL,
            last_used_at BIGINT NULL,
            revoked_at BIGINT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS audit_entries (
            seq BIGINT PRIMARY KEY,
            ts BIGINT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            outcome TEXT NOT NULL,
            before_json TEXT NULL,
            after_json TEXT NULL,
            request_id TEXT NULL,
            client TEXT NULL,
            etag_before TEXT NULL,
            etag_after TEXT NULL,
            detail TEXT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL)
        """,
        // Every filter is paired with seq so a filtered page is an index range scan in seq order.
        "CREATE INDEX IF NOT EXISTS ix_audit_ts ON audit_entries (ts, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_actor ON audit_entries (actor, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_action ON audit_entries (action, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_target ON audit_entries (target, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_outcome ON audit_entries (outcome, seq)",
        // One row per token and Idempotency-Key. While unfinished, the attempt in `holder` renews
        // `lease_until`; `memo` (sealed) is what it kept before acting, e.g. the secret it issues, and
        // `resource` names that secret in clear so a revoke can retire the key. `answer` is sealed.
        // The table replaced idempotency_records (24-hour records without leases), dropped below.
        """
        CREATE TABLE IF NOT EXISTS idempotent_requests (
            token_id TEXT NOT NULL,
            idem_key TEXT NOT NULL,
            request_hash TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            holder TEXT NULL,
            lease_until BIGINT NOT NULL,
            memo TEXT NULL,
            resource TEXT NULL,
            retired_at BIGINT NULL,
            status BIGINT NULL,
            answer TEXT NULL,
            PRIMARY KEY (token_id, idem_key))
        """,
        "CREATE INDEX IF NOT EXISTS ix_idempotent_requests_resource ON idempotent_requests (resource)",
        "DROP TABLE IF EXISTS idempotency_records",
        """
        CREATE TABLE IF NOT EXISTS kvs_snapshot (
            kvs_key TEXT PRIMARY KEY,
            kvs_value TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS kvs_state (
            id BIGINT PRIMARY KEY,
            etag TEXT NOT NULL,
            updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS origin_notes (
            origin TEXT PRIMARY KEY,
            note TEXT NOT NULL,
            updated_at BIGINT NOT NULL,
            updated_by TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS partners (
            id TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            description TEXT NULL,
            created_at BIGINT NOT NULL,
            created_by TEXT NOT NULL)
        """,
        // A chunk the writer is about to send, committed before UpdateKeys: after a crash or an
        // unanswered call, recovery finds the change in the store and audits it for its requester.
        """
        CREATE TABLE IF NOT EXISTS write_intents (
            id TEXT PRIMARY KEY,
            etag_before TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            writes TEXT NOT NULL)
        """,
        // Held the key retried secrets were once derived from; secrets are random now, and with a
        // caller's token that key would still reproduce the old ones.
        "DROP TABLE IF EXISTS service_keys",
        // Metadata only: the secret itself is never stored, its hash only in the KVS key.
        """
        CREATE TABLE IF NOT EXISTS partner_secrets (
            id TEXT PRIMARY KEY,
            partner TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            created_by TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_partner_secrets_partner ON partner_secrets (partner, created_at)",
    ];

    public static async Task EnsureAsync(IDatabase database, CancellationToken cancellationToken = default)
    {
        await database.WriteLockedAsync(async (connection, transaction) =>
        {
            foreach (var statement in Statements)
                await connection.ExecuteAsync(statement, transaction, cancellationToken);
            return true;
        }, cancellationToken);
    }
}
