using System.Diagnostics;
using Npgsql;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>PostgreSQL, for several instances that share one store and one audit trail.</summary>
public sealed class PostgresDatabase(string connectionString) : LockingDatabase, IAsyncDisposable
{
    // Any fixed number works; it only has to be the same in every instance of this service.
    const long WriterLockId = 0x4544_4745_414C_4C57; // "EDGEALLW"
    const long StoreLockId = 0x4544_4745_4B56_5357; // "EDGEKVSW"

    readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);

    public override bool IsShared => true;

    public const string ProviderName = "postgresql";

    public override string Provider => ProviderName;

    /// <summary>How long the pool may go without a confirmed round trip before a connection it hands out is checked first.</summary>
    public static readonly TimeSpan CheckAfterQuiet = TimeSpan.FromMilliseconds(500);

    long lastConfirmed = long.MinValue;

    /// <summary>
    /// A pooled connection, confirmed alive when the pool has been quiet for <see cref="CheckAfterQuiet"/>:
    /// Npgsql hands out idle connections unchecked, and after PostgreSQL restarts every one of them
    /// is dead, so the first request after an outage would fail on each. A connection that fails the
    /// check is replaced once by a fresh one, after the idle ones are dropped (they are as stale); if
    /// the fresh one cannot be opened, that is the outage, answered 503. One <c>SELECT 1</c>
    /// at most twice a second, so a busy pool pays next to nothing; a restart takes longer than the quiet it needs.
    /// </summary>
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var last = Volatile.Read(ref lastConfirmed);
        if (last != long.MinValue && Stopwatch.GetElapsedTime(last) < CheckAfterQuiet)
            return connection;
        try
        {
            await connection.ExecuteAsync("SELECT 1", null, cancellationToken);
        }
        catch (DbException e) when (IsOutage(e))
        {
            await connection.DisposeAsync();
            dataSource.Clear();
            connection = await dataSource.OpenConnectionAsync(cancellationToken);
        }
        Volatile.Write(ref lastConfirmed, Stopwatch.GetTimestamp());
        return connection;
    }

    protected override async Task<DbTransaction> BeginLockedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Released by commit or rollback, so a crashed writer never leaves the lock behind.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@id)", transaction, cancellationToken, ("id", WriterLockId));
        return transaction;
    }

    // A session lock on a connection of its own, held while the store answers; a crashed holder's
    // connection closes and takes the lock with it, and a connection returned to the pool is reset
    // (DISCARD ALL), so a failed unlock cannot leave it behind either.
    protected override async Task<IAsyncDisposable?> HoldStoreLockAsync(CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)await OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync("SELECT pg_advisory_lock(@id)", null, cancellationToken, ("id", StoreLockId));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new HeldLock(connection);
    }

    sealed class HeldLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@id)", null, CancellationToken.None, ("id", StoreLockId));
            }
            catch (DbException)
            {
            }
            await connection.DisposeAsync();
        }
    }

    // Npgsql marks connection failures transient; class 08 is a lost connection, 53 out of
    // resources (53100: disk full), 57P the server shutting down or starting.
    public override bool IsOutage(DbException exception) =>
        exception.IsTransient || exception is PostgresException { SqlState: var state } && (state.StartsWith("08", StringComparison.Ordinal)
            || state.StartsWith("53", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal));

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
