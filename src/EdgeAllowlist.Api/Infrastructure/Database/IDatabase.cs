namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>
/// The service's own database (audit trail, API tokens, idempotency records, the last KVS state it
/// wrote). Everything above this seam is written once in the SQL that SQLite and PostgreSQL share;
/// the two differ only in how a writer takes the database-wide lock.
/// </summary>
public interface IDatabase
{
    /// <summary>"sqlite" or "postgresql", for status and diagnostics.</summary>
    string Provider { get; }

    /// <summary>True when several instances of the service may use this database at once (and so share its mirror of the store).</summary>
    bool IsShared { get; }

    Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    /// <summary>Throws a <see cref="DbException"/> or <see cref="IOException"/> when the database cannot take a write now (unreachable, or its disk full).</summary>
    Task CheckWritableAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// True when <paramref name="exception"/> says the database is unavailable (down, unreachable,
    /// out of disk, busy) rather than that a statement is wrong: the first is a 503 with
    /// Retry-After, the second a bug.
    /// </summary>
    bool IsOutage(DbException exception);

    /// <summary>
    /// At start: null when the database's files are sound (or cannot be read now, an outage); else
    /// one line naming the file and what is damaged. Only a file the service owns (SQLite) is checked.
    /// </summary>
    Task<string?> FindDamageAsync(CancellationToken cancellationToken = default);

    /// <summary>Damage found since the start (a statement that met it, or /readyz); null while none is.</summary>
    string? Damage { get; }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction that holds the database-wide write lock (in
    /// this process and across processes), and commits it if the work returns. The audit chain and
    /// the KVS snapshot are only ever written this way, so each has one writer at a time.
    /// </summary>
    Task<T> WriteLockedAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="work"/> as the only writer of the key value store among the instances
    /// sharing this database, holding neither a transaction nor the lock of
    /// <see cref="WriteLockedAsync{T}"/> meanwhile: the work waits on the store between short
    /// transactions of its own. A SQLite write transaction held across a store call locks the whole
    /// file, so every other write (an idempotency lease renewal among them) would wait for as long
    /// as the store takes to answer.
    /// </summary>
    Task<T> StoreLockedAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default);
}

/// <summary>The locking shared by both providers; each supplies only its way to begin a locked transaction.</summary>
public abstract class LockingDatabase : IDatabase
{
    // Waiting here is cheaper than spinning on SQLite's busy handler or queueing on PostgreSQL's lock.
    readonly SemaphoreSlim processLock = new(1, 1);
    readonly SemaphoreSlim storeLock = new(1, 1);

    public abstract string Provider { get; }

    public abstract bool IsShared { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    public virtual async Task CheckWritableAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await connection.ScalarAsync("SELECT 1", cancellationToken: cancellationToken);
    }

    public abstract bool IsOutage(DbException exception);

    public virtual Task<string?> FindDamageAsync(CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);

    public virtual string? Damage => null;

    protected abstract Task<DbTransaction> BeginLockedAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Takes the store lock across processes until the result is disposed; null where no other process shares the database.</summary>
    protected abstract Task<IAsyncDisposable?> HoldStoreLockAsync(CancellationToken cancellationToken);

    public async Task<T> StoreLockedAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        await storeLock.WaitAsync(cancellationToken);
        try
        {
            var held = await HoldStoreLockAsync(cancellationToken);
            try
            {
                return await work();
            }
            finally
            {
                if (held is not null)
                    await held.DisposeAsync();
            }
        }
        finally
        {
            storeLock.Release();
        }
    }

    public async Task<T> WriteLockedAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        await processLock.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var transaction = await BeginLockedAsync(connection, cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(CancellationToken.None);
            return result;
        }
        finally
        {
            processLock.Release();
        }
    }
}
