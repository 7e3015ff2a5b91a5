using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace EdgeAllowlist.Store.Local;

/// <summary>
/// The embedded KeyValueStore: one store in one folder, with the semantics and quotas of CloudFront
/// KeyValueStore. Every acknowledged write is fsynced to a write-ahead log first; a kill at any
/// instant leaves the state before or after a write, never part of one (docs/local-store.md).
/// One process at a time may open a folder; within it, the instance is safe for concurrent use.
/// </summary>
public sealed class LocalKeyValueStore : IKeyValueStore, IDisposable, IAsyncDisposable
{
    /// <summary>The account in a generated ARN: all zeros, so it can never be mistaken for a real one.</summary>
    public const string DefaultAccountId = "000000000000";

    const string LockFileName = "store.lock";
    const string ReadyStatus = "READY";
    const long DefaultCompactionThresholdBytes = 4L * 1024 * 1024;

    readonly FileStream lockFile;
    readonly WriteAheadLog log;
    readonly long compactionThresholdBytes;

    // Writers queue here for the whole validate-log-apply sequence; readers never touch it, so a
    // reader waits at most for the in-memory apply under stateLock, never for an fsync.
    readonly SemaphoreSlim writeGate = new(1, 1);
    readonly Lock stateLock = new();
    readonly SortedList<string, string> items = new(StringComparer.Ordinal);
    long totalBytes;
    long version;
    string etag;
    DateTimeOffset lastModified;
    bool faulted;
    bool disposed;

    LocalKeyValueStore(string directory, FileStream lockFile, Snapshot snapshot, WriteAheadLog log, IEnumerable<LogRecord> records, long compactionThresholdBytes)
    {
        DirectoryPath = directory;
        this.lockFile = lockFile;
        this.log = log;
        this.compactionThresholdBytes = compactionThresholdBytes;
        Arn = snapshot.Arn;
        Created = snapshot.Created;
        version = snapshot.Version;
        etag = snapshot.ETag;
        lastModified = snapshot.LastModified;
        foreach (var (key, value) in snapshot.Items)
        {
            items.Add(key, value);
            totalBytes += KvsLimits.EntrySize(key, value);
        }
        foreach (var record in records)
            Apply(record);
    }

    /// <summary>The store's ARN, fixed when the folder was first opened.</summary>
    public string Arn { get; }

    /// <summary>When the store was created (millisecond precision, UTC).</summary>
    public DateTimeOffset Created { get; }

    /// <summary>The folder holding the store's files.</summary>
    public string DirectoryPath { get; }

    /// <summary>
    /// Opens the store in <paramref name="directory"/>, creating the folder and an empty store if there
    /// is none. A new store takes <paramref name="arn"/>, or a generated one under
    /// <see cref="DefaultAccountId"/>; an existing store keeps its own and refuses a different one.
    /// </summary>
    /// <remarks>A torn last write (never acknowledged) is cut, with a warning on <paramref name="logger"/> giving the byte count.</remarks>
    /// <exception cref="IOException">Another process (or another instance here) has the folder open.</exception>
    /// <exception cref="LocalStoreDamagedException">The files are damaged beyond what a crash can leave.</exception>
    public static LocalKeyValueStore Open(string directory, string? arn = null, ILogger? logger = null) =>
        Open(directory, arn, DefaultCompactionThresholdBytes, logger);

    internal static LocalKeyValueStore Open(string directory, string? arn, long compactionThresholdBytes, ILogger? logger = null)
    {
        if (arn is not null && KvsArn.TryParse(arn) is not { IsIssuedForm: true })
            throw new ArgumentException(
                $"'{arn}' is not a KeyValueStore ARN; expected arn:aws:cloudfront::<12-digit account>:key-value-store/<36-character id>.", nameof(arn));

        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        if (!Directory.Exists(directory))
        {
            PrivateFiles.CreateFolder(directory);
            // Otherwise a power cut could take the new folder, and every write acknowledged in it, away.
            DirectorySync.Flush(Path.GetDirectoryName(directory)!);
        }
        var lockFile = AcquireLock(directory);
        try
        {
            var snapshot = LoadOrCreate(directory, arn);
            if (arn is not null && !string.Equals(arn, snapshot.Arn, StringComparison.Ordinal))
                throw new ArgumentException($"The store in '{directory}' has ARN {snapshot.Arn}, not {arn}.", nameof(arn));

            var (log, records, cutBytes) = WriteAheadLog.Open(directory, snapshot.Version);
            if (cutBytes > 0)
                logger?.LogWarning("The local store log {LogPath} ended in a torn write that was never acknowledged; cut {CutBytes} bytes after the last whole record",
                    WriteAheadLog.PathIn(directory), cutBytes);
            return new(directory, lockFile, snapshot, log, records, compactionThresholdBytes);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>A fresh ARN for a new store: <c>arn:aws:cloudfront::&lt;account&gt;:key-value-store/&lt;uuid&gt;</c>.</summary>
    public static string NewArn(string accountId = DefaultAccountId) =>
        $"arn:aws:cloudfront::{accountId}:key-value-store/{Guid.NewGuid()}";

    public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) => AsTask(() =>
    {
        lock (stateLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return new StoreDescription(Arn, items.Count, totalBytes, etag, Created, lastModified, ReadyStatus) { Version = version };
        }
    });

    public Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default) => AsTask(() =>
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (stateLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            return items.TryGetValue(key, out var value) ? new KeyValueItem(key, value) : null;
        }
    });

    public Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) => AsTask(() =>
    {
        var pageSize = maxResults ?? KvsLimits.DefaultListPageSize;
        if (pageSize is < 1 or > KvsLimits.MaxListPageSize)
            throw KvsException.Validation($"MaxResults is {pageSize}; it must be between 1 and {KvsLimits.MaxListPageSize}.");
        var after = nextToken is null ? null : PageToken.Decode(nextToken);

        lock (stateLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var keys = items.Keys;
            var start = after is null ? 0 : FirstIndexAfter(keys, after);
            var end = Math.Min(start + pageSize, keys.Count);
            var page = new KeyValueItem[end - start];
            for (var i = start; i < end; i++)
                page[i - start] = new(keys[i], items.Values[i]);
            var token = end < keys.Count ? PageToken.Encode(keys[end - 1]) : null;
            return new KeyPage(page, token);
        }
    });

    public async Task<WriteResult> UpdateKeysAsync(
        string ifMatch,
        IReadOnlyCollection<KeyValueItem> puts,
        IReadOnlyCollection<string> deletes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(puts);
        ArgumentNullException.ThrowIfNull(deletes);
        UpdateBatchRules.Validate(ifMatch, puts, deletes);

        // ETags are never reused, so one that is stale now stays stale: refuse it without queueing
        // behind another writer's fsync. The check inside the gate is the one that decides.
        lock (stateLock)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            ThrowIfStale(ifMatch);
        }

        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            HealIfFaulted();
            ThrowIfStale(ifMatch);

            var (newCount, newTotal) = SizeAfter(puts, deletes);
            if (newTotal > KvsLimits.MaxStoreBytes)
                throw KvsException.QuotaExceeded(
                    $"After this update the store would hold {newTotal} bytes of keys and values; the limit is {KvsLimits.MaxStoreBytes} ({KvsLimits.MaxStoreBytes - totalBytes} bytes free now).");

            // Past this point the write runs to completion: a cancelled half-write is what the log avoids.
            CompactIfDue();
            var record = new LogRecord(version + 1, NewETag(), Now(), [.. puts], [.. deletes]);
            AppendDurably(record);
            lock (stateLock)
                Apply(record);
            return new WriteResult(record.ETag, newCount, newTotal, record.Version);
        }
        finally
        {
            writeGate.Release();
        }
    }

    /// <summary>Takes the write gate and fails like a write would if the folder cannot take one now; heals a store faulted by an earlier I/O error.</summary>
    public async Task CheckWritableAsync(CancellationToken cancellationToken = default)
    {
        await writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            HealIfFaulted();
            try
            {
                FolderProbe.CheckWritable(DirectoryPath);
            }
            catch (IOException e)
            {
                throw new KvsException(KvsErrorKind.ServerError, "InternalServerException", $"The local store's folder '{DirectoryPath}' cannot take a write: {e.Message}", innerException: e);
            }
        }
        finally
        {
            writeGate.Release();
        }
    }

    /// <summary>
    /// After an I/O error the log's tail is unknown (a torn or whole record of a write that was
    /// reported as failed). Writing a snapshot of the acknowledged state and emptying the log puts
    /// the files back in a known state, so the store recovers by itself once the disk has room
    /// again instead of staying write-locked until a restart; if that fails too, it stays faulted.
    /// </summary>
    void HealIfFaulted()
    {
        if (!faulted)
            return;
        CompactNow();
        faulted = false;
    }

    /// <summary>Writes a snapshot of the current state and empties the log.</summary>
    internal void Compact()
    {
        writeGate.Wait();
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            CompactNow();
        }
        finally
        {
            writeGate.Release();
        }
    }

    public void Dispose()
    {
        writeGate.Wait();
        try
        {
            lock (stateLock)
            {
                if (disposed)
                    return;
                disposed = true;
            }
            log.Dispose();
            lockFile.Dispose();
        }
        finally
        {
            writeGate.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    // Reads complete in memory; this hands back their result, or their error, the way an awaited call would.
    static Task<T> AsTask<T>(Func<T> read)
    {
        try
        {
            return Task.FromResult(read());
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    static FileStream AcquireLock(string directory)
    {
        try
        {
            // FileShare.None takes an exclusive OS lock (flock on Unix) that dies with the process,
            // so a killed owner never leaves the folder locked.
            return PrivateFiles.Open(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The local store in '{directory}' is already open in another process (or by another instance in this one); only one may open it at a time.", e);
        }
    }

    static Snapshot LoadOrCreate(string directory, string? arn)
    {
        Snapshot.DeleteLeftovers(directory);
        if (File.Exists(Snapshot.PathIn(directory)))
            return Snapshot.ReadFrom(directory);

        var logPath = WriteAheadLog.PathIn(directory);
        if (File.Exists(logPath) && new FileInfo(logPath).Length > 0)
            throw new LocalStoreDamagedException(Snapshot.PathIn(directory), "it is missing while the log holds records");

        var now = Now();
        var created = new Snapshot(arn ?? NewArn(), now, now, 0, NewETag(), []);
        created.WriteTo(directory);
        return created;
    }

    static int FirstIndexAfter(IList<string> sortedKeys, string key)
    {
        var low = 0;
        var high = sortedKeys.Count;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if (string.CompareOrdinal(sortedKeys[middle], key) <= 0)
                low = middle + 1;
            else
                high = middle;
        }
        return low;
    }

    void ThrowIfStale(string ifMatch)
    {
        if (!string.Equals(ifMatch, etag, StringComparison.Ordinal))
            throw KvsException.Conflict($"If-Match '{ifMatch}' is not the store's current ETag: the store has changed since. Describe it again and retry with the new ETag.");
    }

    (long Count, long Total) SizeAfter(IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes)
    {
        // Only writers change the items, and this runs inside the write gate, so no stateLock is needed.
        long count = items.Count;
        var total = totalBytes;
        foreach (var put in puts)
        {
            if (items.TryGetValue(put.Key, out var old))
                total -= KvsLimits.EntrySize(put.Key, old);
            else
                count++;
            total += KvsLimits.EntrySize(put.Key, put.Value);
        }
        foreach (var key in deletes)
        {
            if (items.TryGetValue(key, out var old))
            {
                total -= KvsLimits.EntrySize(key, old);
                count--;
            }
        }
        return (count, total);
    }

    void Apply(LogRecord record)
    {
        foreach (var put in record.Puts)
        {
            if (items.TryGetValue(put.Key, out var old))
                totalBytes -= KvsLimits.EntrySize(put.Key, old);
            items[put.Key] = put.Value;
            totalBytes += KvsLimits.EntrySize(put.Key, put.Value);
        }
        foreach (var key in record.Deletes)
        {
            // Deleting a key that is not there is a no-op, as in a set: the write still gets a new ETag.
            if (items.Remove(key, out var old))
                totalBytes -= KvsLimits.EntrySize(key, old);
        }
        version = record.Version;
        etag = record.ETag;
        lastModified = record.Timestamp;
    }

    void AppendDurably(LogRecord record)
    {
        try
        {
            log.Append(record);
        }
        catch (IOException e)
        {
            // The record may be partly or wholly on disk; a reopen replays or drops it cleanly, but
            // appending after it now could bury later writes behind a torn frame.
            faulted = true;
            throw new KvsException(KvsErrorKind.ServerError, "InternalServerException",
                $"Writing the local store log in '{DirectoryPath}' failed: {e.Message}", innerException: e)
            {
                MayHaveBeenApplied = true,
            };
        }
    }

    void CompactIfDue()
    {
        if (log.Length >= compactionThresholdBytes)
            CompactNow();
    }

    void CompactNow()
    {
        // Reading items without stateLock is safe here: the caller holds the write gate.
        var snapshot = new Snapshot(Arn, Created, lastModified, version, etag, [.. items]);
        try
        {
            snapshot.WriteTo(DirectoryPath);
            log.Clear();
        }
        catch (IOException e)
        {
            // Before the rename nothing changed; after it, the log's records are at or below the
            // snapshot's version and replay skips them. Either way the files are consistent, but the
            // log handle's state is unknown, so stop writing until HealIfFaulted succeeds.
            faulted = true;
            throw new KvsException(KvsErrorKind.ServerError, "InternalServerException",
                $"Compacting the local store in '{DirectoryPath}' failed: {e.Message}", innerException: e);
        }
    }

    static string NewETag() => "KV" + RandomNumberGenerator.GetHexString(24);

    static DateTimeOffset Now() => DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
}
