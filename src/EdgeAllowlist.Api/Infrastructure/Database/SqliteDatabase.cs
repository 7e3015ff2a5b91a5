using System.Runtime.CompilerServices;
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

    // The native connections already set up. Pooling hands the same native connection to many
    // SqliteConnection objects, and the settings below live as long as it does, so they run once per
    // native connection rather than once per request; a connection the pool drops is forgotten with it.
    static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> prepared = [];

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var handle = connection.Handle!;
        if (!prepared.TryGetValue(handle, out _))
        {
            // WAL lets readers (audit queries, token checks) run while a writer holds the lock.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;", cancellationToken: cancellationToken);
            prepared.AddOrUpdate(handle, handle);
        }
        return connection;
    }

    // SQLite fails on a full disk only when a write needs a new page: probe the folder the way a write would.
    public override async Task CheckWritableAsync(CancellationToken cancellationToken = default)
    {
        await base.CheckWritableAsync(cancellationToken);
        FolderProbe.CheckWritable(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN: the file or its disk, not the statement.
    public override bool IsOutage(DbException exception) =>
        exception.IsTransient || exception is SqliteException { SqliteErrorCode: 5 or 6 or 8 or 10 or 13 or 14 };

    // A deferred transaction would take the write lock only at its first write, after it had already
    // read the chain head; a non-deferred one (BEGIN IMMEDIATE) takes it up front.
    // One instance per SQLite file (IsShared is false): the in-process lock is the whole store lock.
    protected override Task<IAsyncDisposable?> HoldStoreLockAsync(CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable?>(null);

    protected override Task<DbTransaction> BeginLockedAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
