using System.Diagnostics;
using Npgsql;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>PostgreSQL, for several instances that share one store and one audit trail.</summary>
/// <param name="checkAfterQuiet">How long the pool may go without a confirmed round trip before a connection it hands out is checked first (<c>Database:PoolCheckAfterQuiet</c>).</param>
public sealed class PostgresDatabase(string connectionString, TimeSpan checkAfterQuiet) : LockingDatabase, IAsyncDisposable
{
    // Any fixed number works; it only has to be the same in every instance of this service.
    const long WriterLockId = 0x4544_4745_414C_4C57; // "EDGEALLW"
    const long StoreLockId = 0x4544_4745_4B56_5357; // "EDGEKVSW"

    readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);
    readonly int maxPoolSize = new NpgsqlConnectionStringBuilder(connectionString).MaxPoolSize;

    // Outside the pool, so a full pool never keeps the watch away and clearing the pool never ends it.
    // Npgsql's keepalive query also ends a watch whose server vanished without closing the socket.
    readonly NpgsqlDataSource watchSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
    {
        Pooling = false,
        KeepAlive = 15,
        ApplicationName = "edge_allowlist_pool_watch",
    }.ConnectionString);

    readonly CancellationTokenSource disposing = new();
    readonly Lock watchLock = new();
    Task? watch;

    public override bool IsShared => true;

    public const string ProviderName = "postgresql";

    public override string Provider => ProviderName;

    long lastConfirmed = long.MinValue;

    /// <summary>
    /// A pooled connection that is not one of those left from before a restart. Npgsql hands out idle
    /// connections unchecked, and after PostgreSQL restarts every one of them is dead, so the first
    /// request after an outage would fail on each. Two guards keep them out:
    /// <list type="bullet">
    /// <item>a watch connection that waits on the server: a shutdown ends it at once (the server
    /// closes every session), and the pool is cleared before the server is back, however fast the restart;</item>
    /// <item>for a server lost without closing its sessions (a network cut, a failover), a connection
    /// handed out after the pool was quiet for <c>checkAfterQuiet</c> is checked with <c>SELECT 1</c>,
    /// and on failure replaced after the idle ones are dropped (they are as stale); if a fresh one
    /// cannot be opened, that is the outage, answered 503.</item>
    /// </list>
    /// </summary>
    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (watch is null)
            lock (watchLock)
                watch ??= Task.Run(() => WatchForShutdownAsync(disposing.Token), CancellationToken.None);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var last = Volatile.Read(ref lastConfirmed);
        if (last != long.MinValue && Stopwatch.GetElapsedTime(last) < checkAfterQuiet)
            return connection;
        // Each failed check throws one dead connection away, so this ends once the pool is rid of them
        // (a concurrent clear may leave some for this caller to meet) or a fresh open fails: the outage.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await connection.ExecuteAsync("SELECT 1", null, cancellationToken);
                Volatile.Write(ref lastConfirmed, Stopwatch.GetTimestamp());
                return connection;
            }
            catch (DbException e) when (IsOutage(e) && attempt <= maxPoolSize)
            {
                await connection.DisposeAsync();
                dataSource.Clear();
                connection = await dataSource.OpenConnectionAsync(cancellationToken);
            }
        }
    }

    /// <summary>
    /// Waits on a connection of its own until the server ends it (a shutdown, a restart, a crash),
    /// then drops every pooled connection, which ended with it, and waits again once the server is back.
    /// </summary>
    async Task WatchForShutdownAsync(CancellationToken stop)
    {
        var pause = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            // Only a session that was open and ended says the pooled ones ended too; a failed open
            // (the server still away, or out of connection slots) says nothing of the pool.
            var watching = false;
            try
            {
                await using var connection = await watchSource.OpenConnectionAsync(stop);
                pause = TimeSpan.FromMilliseconds(100);
                // Never notified: the wait returns only when the session ends.
                await connection.ExecuteAsync("LISTEN edge_allowlist_pool_watch", null, stop);
                watching = true;
                while (true)
                    await connection.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (watching)
            {
                dataSource.Clear();
                Volatile.Write(ref lastConfirmed, long.MinValue);
            }
            catch (Exception)
            {
                // Not connected: try again after the pause.
            }
            try
            {
                await Task.Delay(pause, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
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

    public async ValueTask DisposeAsync()
    {
        Task? watching;
        lock (watchLock)
        {
            disposing.Cancel();
            watching = watch;
        }
        if (watching is not null)
            await watching;
        disposing.Dispose();
        await watchSource.DisposeAsync();
        await dataSource.DisposeAsync();
    }
}
