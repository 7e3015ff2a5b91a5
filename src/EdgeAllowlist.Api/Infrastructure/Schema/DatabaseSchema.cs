using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Infrastructure.Schema;

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
            hash TEXT NOT NULL,
            hashed_target TEXT NULL,
            hashed_action TEXT NULL)
        """,
        // hashed_target and hashed_action exist only until audit-rechain (below) drops them: the
        // migrations before it still name them, and a fresh database runs every migration.
        // Every filter is paired with seq so a filtered page is an index range scan in seq order.
        "CREATE INDEX IF NOT EXISTS ix_audit_ts ON audit_entries (ts, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_actor ON audit_entries (actor, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_action ON audit_entries (action, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_target ON audit_entries (target, seq)",
        "CREATE INDEX IF NOT EXISTS ix_audit_outcome ON audit_entries (outcome, seq)",
        // What one actor did of one kind. (One item's history in a time range needs no index of its
        // own: time bounds become seq bounds, so ix_audit_target (target, seq) is that composite.)
        "CREATE INDEX IF NOT EXISTS ix_audit_actor_action ON audit_entries (actor, action, seq)",
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
        // seal: MirrorSeal's MAC of the mirror; acked_version: the newest embedded-store version
        // acknowledged; ack_seq: how many times the mirror was saved, the order of kvs_etags.
        """
        CREATE TABLE IF NOT EXISTS kvs_state (
            id BIGINT PRIMARY KEY,
            etag TEXT NOT NULL,
            updated_at BIGINT NOT NULL,
            seal TEXT NULL,
            acked_version BIGINT NULL,
            ack_seq BIGINT NULL)
        """,
        // Every ETag the store was seen at, in order: a store back at an earlier one was rolled back.
        """
        CREATE TABLE IF NOT EXISTS kvs_etags (
            etag TEXT PRIMARY KEY,
            seq BIGINT NOT NULL)
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
            writes TEXT NOT NULL,
            signature TEXT NULL)
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
            created_by TEXT NOT NULL,
            created_by_token TEXT NULL,
            distribution_domain TEXT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_partner_secrets_partner ON partner_secrets (partner, created_at)",
        // The admin's expectations (Features/Expectations): a probe request, as the simulator takes it
        // (JSON; never a secret, refused on input), and the outcome it must keep.
        """
        CREATE TABLE IF NOT EXISTS expectations (
            name TEXT PRIMARY KEY,
            request TEXT NOT NULL,
            expect TEXT NOT NULL,
            reason TEXT NULL,
            created_at BIGINT NOT NULL,
            created_by TEXT NOT NULL)
        """,
        // Built-in expectations muted one at a time, by name.
        """
        CREATE TABLE IF NOT EXISTS expectation_mutes (
            name TEXT PRIMARY KEY,
            muted_at BIGINT NOT NULL,
            muted_by TEXT NOT NULL)
        """,
        // Console sessions (ConsoleSessions): keyed by the hash of the cookie's id, the token sealed
        // with a key derived from that id; deleted with their token's revocation.
        """
        CREATE TABLE IF NOT EXISTS console_sessions (
            id_hash TEXT PRIMARY KEY,
            token_id TEXT NOT NULL,
            sealed_token TEXT NOT NULL,
            started_at BIGINT NOT NULL,
            last_seen BIGINT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_console_sessions_token ON console_sessions (token_id)",
        // The console's Data Protection key ring (DatabaseKeyRing), shared by every instance.
        """
        CREATE TABLE IF NOT EXISTS data_protection_keys (
            name TEXT PRIMARY KEY,
            xml TEXT NOT NULL,
            created_at BIGINT NOT NULL)
        """,
        // Held the last entry an earlier version had verified, so a start verified only the entries
        // after it and missed an edit before it; verification is full now (AuditVerifier).
        "DROP TABLE IF EXISTS audit_checkpoint",
        // Signed checkpoints (AuditCheckpoints): the trail held entry_count entries, the last with
        // head_hash, at ts; chained by prev_digest, signed by the key outside the database.
        """
        CREATE TABLE IF NOT EXISTS audit_checkpoints (
            id BIGINT PRIMARY KEY,
            entry_count BIGINT NOT NULL,
            head_hash TEXT NOT NULL,
            ts BIGINT NOT NULL,
            prev_digest TEXT NOT NULL,
            key_id TEXT NOT NULL,
            signature TEXT NOT NULL)
        """,
    ];

    /// <summary>
    /// Changes to rows already written, each run once (recorded in <c>schema_migrations</c>) in the
    /// same transaction as its record.
    /// </summary>
    static IEnumerable<(string Name, string Sql)> Migrations(string provider) =>
    [
        // One audit target form (KvsLayout.AuditTarget): entries that named an origin by its key
        // ("o:https://x": apply, rollback, external changes) name it as the single routes do. The
        // hash covers the target as written, so that is kept in hashed_target for verification.
        ("audit-origin-targets", "UPDATE audit_entries SET hashed_target = target, target = substr(target, 3) WHERE hashed_target IS NULL AND substr(target, 1, 2) = 'o:'"),
        // One action vocabulary (AuditActions): the item entries of an apply or rollback say what
        // happened to the item, as the single routes do; only the summary entry (target
        // desired-state) keeps the desired-state action. The action they were hashed with is kept.
        ("audit-item-actions", $"""
            UPDATE audit_entries SET hashed_action = action, action = CASE
                WHEN target = '{KvsLayout.ConfigKey}' THEN '{AuditActions.SettingsUpdate}'
                WHEN substr(target, 1, {KvsLayout.UserAgentPrefix.Length}) = '{KvsLayout.UserAgentPrefix}' THEN '{AuditActions.UserAgentUpdate}'
                WHEN before_json IS NULL THEN '{AuditActions.OriginAdd}'
                WHEN after_json IS NULL THEN '{AuditActions.OriginDelete}'
                ELSE '{AuditActions.OriginExpiry}' END
            WHERE hashed_action IS NULL AND action IN ('{AuditActions.DesiredStateApply}', '{AuditActions.DesiredStateRollback}') AND target <> '{AuditActions.DesiredStateTarget}'
            """),
        // ?targetPrefix= is a range of target in code point order (AuditTrail). SQLite compares TEXT
        // bytewise, so ix_audit_target serves it; PostgreSQL compares under the database's collation,
        // whose order is not code point order (and whose index a COLLATE "C" range cannot use), so it
        // gets an index in that order. Recorded on SQLite too, as nothing to do.
        ("audit-target-prefix-index", provider == PostgresDatabase.ProviderName
            ? "CREATE INDEX IF NOT EXISTS ix_audit_target_prefix ON audit_entries (target COLLATE \"C\", seq)"
            : "SELECT 1"),
    ];

    /// <summary>The step that re-hashes the trail over the listed columns and drops the shadow ones (<see cref="AuditRechain"/>).</summary>
    const string RechainMigration = "audit-rechain";

    public static async Task EnsureAsync(IDatabase database, CancellationToken cancellationToken = default)
    {
        // Until the trail is re-chained, a table made by a version older than the shadow columns gets
        // them, so the migrations that name them run; afterwards they are gone for good.
        if (!await AppliedAsync(database, RechainMigration, cancellationToken))
        {
            await AddColumnAsync(database, "audit_entries", "hashed_target", "TEXT NULL", cancellationToken);
            await AddColumnAsync(database, "audit_entries", "hashed_action", "TEXT NULL", cancellationToken);
        }
        // Signed by the audit key (WriteIntent.Digest): a row written straight into the database does not verify.
        await AddColumnAsync(database, "write_intents", "signature", "TEXT NULL", cancellationToken);
        await AddColumnAsync(database, "partner_secrets", "created_by_token", "TEXT NULL", cancellationToken);
        await AddColumnAsync(database, "kvs_state", "seal", "TEXT NULL", cancellationToken);
        await AddColumnAsync(database, "kvs_state", "acked_version", "BIGINT NULL", cancellationToken);
        await AddColumnAsync(database, "kvs_state", "ack_seq", "BIGINT NULL", cancellationToken);
        // The domain a secret's VideoContentSourceUrl named, so a rotation can reuse it; null for older secrets.
        await AddColumnAsync(database, "partner_secrets", "distribution_domain", "TEXT NULL", cancellationToken);
        await database.WriteLockedAsync(async (connection, transaction) =>
        {
            foreach (var statement in Statements)
                await connection.ExecuteAsync(statement, transaction, cancellationToken);
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)", transaction, cancellationToken);
            foreach (var (name, sql) in Migrations(database.Provider))
            {
                if (await connection.ScalarAsync("SELECT 1 FROM schema_migrations WHERE name = @n", transaction, cancellationToken, ("n", name)) is not null)
                    continue;
                await connection.ExecuteAsync(sql, transaction, cancellationToken);
                await RecordAsync(connection, transaction, name, cancellationToken);
            }
            if (await connection.ScalarAsync("SELECT 1 FROM schema_migrations WHERE name = @n", transaction, cancellationToken, ("n", RechainMigration)) is null)
            {
                await AuditRechain.RunAsync(connection, transaction, DateTimeOffset.UtcNow, cancellationToken);
                await connection.ExecuteAsync("ALTER TABLE audit_entries DROP COLUMN hashed_target", transaction, cancellationToken);
                await connection.ExecuteAsync("ALTER TABLE audit_entries DROP COLUMN hashed_action", transaction, cancellationToken);
                await RecordAsync(connection, transaction, RechainMigration, cancellationToken);
            }
            return true;
        }, cancellationToken);
    }

    static Task RecordAsync(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("INSERT INTO schema_migrations (name, applied_at) VALUES (@n, @t)", transaction, cancellationToken,
            ("n", name), ("t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));

    /// <summary>Whether a migration ran; probed outside any transaction (a failed statement would abort a PostgreSQL one).</summary>
    static async Task<bool> AppliedAsync(IDatabase database, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            return await connection.ScalarAsync("SELECT 1 FROM schema_migrations WHERE name = @n", null, cancellationToken, ("n", name)) is not null;
        }
        catch (DbException)
        {
            return false; // no schema_migrations yet
        }
    }

    /// <summary>
    /// Adds a column to a table made by an older version. Neither database has one portable
    /// "ADD COLUMN IF NOT EXISTS" (SQLite lacks it), so probe first, outside any transaction
    /// (a failed statement would abort a PostgreSQL one).
    /// </summary>
    static async Task AddColumnAsync(IDatabase database, string table, string column, string definition, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync($"SELECT 1 FROM {table} WHERE 1 = 0", cancellationToken: cancellationToken);
        }
        catch (DbException)
        {
            return; // no table yet: CREATE TABLE makes it with the column
        }
        try
        {
            await connection.ExecuteAsync($"SELECT {column} FROM {table} WHERE 1 = 0", cancellationToken: cancellationToken);
        }
        catch (DbException)
        {
            await connection.ExecuteAsync($"ALTER TABLE {table} ADD COLUMN {column} {definition}", cancellationToken: cancellationToken);
        }
    }
}
