using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>One SQLite file in the data folder: the default, for a single instance.</summary>
public sealed class SqliteDatabase(string path) : LockingDatabase
{
    /// <summary>The exit code of a start refused because the file is damaged (EX_DATAERR, as for a damaged local store).</summary>
    public const int DamagedExitCode = 65;

    readonly string connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    // Until the file exists (created 0600 by the first open that can); not at construction, so a
    // folder that cannot take it yet (full, read-only) is an outage /readyz names, not a crash.
    volatile bool fileEnsured;
    volatile string? damage;

    public override bool IsShared => false;

    public override string Provider => "sqlite";

    // The native connections already set up. Pooling hands the same native connection to many
    // SqliteConnection objects, and the settings below live as long as it does, so they run once per
    // native connection rather than once per request; a connection the pool drops is forgotten with it.
    static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> prepared = [];

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        // SQLite would create the file 0644, and it gives its -wal and -shm files the mode of the
        // database file: created here first, 0600, so all three end up private.
        if (!fileEnsured)
        {
            try
            {
                PrivateFiles.EnsureFile(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SqliteException($"Cannot create the database file {path}: {e.Message}", CantOpen);
            }
            fileEnsured = true;
        }
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var handle = connection.Handle!;
            if (!prepared.TryGetValue(handle, out _))
            {
                // WAL lets readers (audit queries, token checks) run while a writer holds the lock.
                await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;", cancellationToken: cancellationToken);
                prepared.AddOrUpdate(handle, handle);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return connection;
    }

    // SQLite fails on a full disk only when a write needs a new page: probe the folder the way a write
    // would. The header is read too: SQLite reads it only when it opens the file, and pooled
    // connections keep theirs open, so damage done meanwhile would go unseen until the next start.
    public override async Task CheckWritableAsync(CancellationToken cancellationToken = default)
    {
        if (damage is { } found)
            throw new SqliteException(found, Corrupt);
        await base.CheckWritableAsync(cancellationToken);
        if (await SqliteFileHeader.ProblemAsync(path, cancellationToken) is { } header)
            throw new SqliteException(NoteDamage(header), NotADatabase);
        FolderProbe.CheckWritable(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    public override string? Damage => damage;

    /// <summary>
    /// <c>PRAGMA quick_check</c> (every page and index entry read, without the slower cross-checks of
    /// integrity_check), at start: null when the file is sound, absent or cannot be opened now (an
    /// outage, which /readyz reports); else one line naming the file and the first problem found.
    /// </summary>
    public override async Task<string?> FindDamageAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0)
            return null;
        try
        {
            if (await SqliteFileHeader.ProblemAsync(path, cancellationToken) is { } header)
                return NoteDamage(header);
            await using var connection = await OpenAsync(cancellationToken);
            var result = await connection.ScalarAsync("PRAGMA quick_check(1)", cancellationToken: cancellationToken) as string;
            return result == "ok" ? null : NoteDamage(result ?? "quick_check returned nothing");
        }
        catch (SqliteException e) when (IsDamage(e))
        {
            return NoteDamage(e.Message);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    string NoteDamage(string problem) =>
        damage ??= $"The SQLite database {path} is damaged ({problem.ReplaceLineEndings(" ")}); restore it from a backup or move it aside to start empty.";

    // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN: the file or its disk, not the statement. CORRUPT
    // and NOTADB: the file is damaged; answered 503 too, and /readyz stays 503 from then on.
    public override bool IsOutage(DbException exception)
    {
        if (exception is SqliteException sqlite && IsDamage(sqlite))
        {
            NoteDamage(sqlite.Message);
            return true;
        }
        return exception.IsTransient || exception is SqliteException { SqliteErrorCode: 5 or 6 or 8 or 10 or 13 or 14 };
    }

    const int Corrupt = 11;
    const int CantOpen = 14;
    const int NotADatabase = 26;

    static bool IsDamage(SqliteException e) => e.SqliteErrorCode is Corrupt or NotADatabase;

    // A deferred transaction would take the write lock only at its first write, after it had already
    // read the chain head; a non-deferred one (BEGIN IMMEDIATE) takes it up front.
    // One instance per SQLite file (IsShared is false): the in-process lock is the whole store lock.
    protected override Task<IAsyncDisposable?> HoldStoreLockAsync(CancellationToken cancellationToken) => Task.FromResult<IAsyncDisposable?>(null);

    protected override Task<DbTransaction> BeginLockedAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
