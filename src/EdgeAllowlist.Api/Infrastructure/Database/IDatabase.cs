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

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction that holds the database-wide write lock (in
    /// this process and across processes), and commits it if the work returns. The audit chain and
    /// the KVS snapshot are only ever written this way, so each has one writer at a time.
    /// </summary>
    Task<T> WriteLockedAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default);
}

/// <summary>The locking shared by both providers; each supplies only its way to begin a locked transaction.</summary>
public abstract class LockingDatabase : IDatabase
{
    // Waiting here is cheaper than spinning on SQLite's busy handler or queueing on PostgreSQL's lock.
    readonly SemaphoreSlim processLock = new(1, 1);

    public abstract string Provider { get; }

    public abstract bool IsShared { get; }

    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default);

    protected abstract Task<DbTransaction> BeginLockedAsync(DbConnection connection, CancellationToken cancellationToken);

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
