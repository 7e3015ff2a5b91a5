namespace EdgeAllowlist.Store.Local;

/// <summary>
/// Append-only log of <see cref="LogRecord"/>s, one checksummed frame each, fsynced before a write is
/// acknowledged. Only the last frame can be torn by a crash (every earlier one was fsynced before the
/// next was started), so replay stops at the first frame that does not verify and cuts the file there.
/// </summary>
sealed class WriteAheadLog : IDisposable
{
    public const string FileName = "wal.log";

    readonly FileStream file;

    WriteAheadLog(FileStream file) => this.file = file;

    public long Length => file.Length;

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>
    /// Opens (or creates) the log and returns the records that follow <paramref name="snapshotVersion"/>
    /// in unbroken version order. Records at or below it are already in the snapshot: a crash between
    /// writing a snapshot and emptying the log leaves them behind, harmlessly.
    /// </summary>
    public static (WriteAheadLog Log, List<LogRecord> Records) Open(string directory, long snapshotVersion)
    {
        var path = PathIn(directory);
        var existed = File.Exists(path);
        var file = PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        try
        {
            if (!existed)
                DirectorySync.Flush(directory);

            var content = new byte[file.Length];
            file.ReadExactly(content);

            var records = new List<LogRecord>();
            var expectedVersion = snapshotVersion + 1;
            var validLength = 0;
            while (ChecksummedFrame.TryRead(content.AsSpan(validLength), out var payload, out var frameLength))
            {
                var record = LogRecord.FromPayload(payload.ToArray());
                if (record.Version > snapshotVersion)
                {
                    // A frame that verifies but skips a version was not torn by a crash: that is damage, not a tail to drop.
                    if (record.Version != expectedVersion)
                        throw new InvalidDataException(
                            $"The local store log '{path}' jumps from version {expectedVersion - 1} to {record.Version}; restore the folder from a backup.");
                    records.Add(record);
                    expectedVersion++;
                }
                validLength += frameLength;
            }

            if (validLength < content.Length)
            {
                // The torn tail was never acknowledged; drop it so new records follow the last whole one.
                file.SetLength(validLength);
                file.Flush(flushToDisk: true);
            }
            file.Position = validLength;
            return (new(file), records);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Appends the record and returns once it is on disk.</summary>
    public void Append(LogRecord record)
    {
        var frame = ChecksummedFrame.Build(record.ToPayload());
        file.Write(frame);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Empties the log once a snapshot holds everything in it.</summary>
    public void Clear()
    {
        file.SetLength(0);
        file.Position = 0;
        file.Flush(flushToDisk: true);
    }

    public void Dispose() => file.Dispose();
}
