using Microsoft.Data.Sqlite;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>One SQLite file in the data folder: the default, for a single instance.</summary>
public sealed class SqliteDatabase(string path) : LockingDatabase
{
    readonly string connectionString = ConnectionString(path);

    /// <summary>
    /// The file is created here as 0600 before SQLite opens it: SQLite would create it 0644, and it
    /// gives its -wal and -shm files the mode of the database file, so all three end up private.
    /// </summary>
    static string ConnectionString(string path)
    {
        PrivateFiles.EnsureFile(path);
        return new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public override bool IsShared => false;

    public override string Provider => "sqlite";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL lets readers (audit queries, token checks) run while a writer holds the lock.
        await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;", cancellationToken: cancellationToken);
        return connection;
    }

    // A deferred transaction would take the write lock only at its first write, after it had already
    // read the chain head; a non-deferred one (BEGIN IMMEDIATE) takes it up front.
    protected override Task<DbTransaction> BeginLockedAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
