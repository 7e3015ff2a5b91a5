using System.Buffers.Binary;

namespace EdgeAllowlist.Store.Local;

/// <summary>
/// Append-only log of <see cref="LogRecord"/>s, one checksummed frame each, fsynced before a write is
/// acknowledged. Only the last frame can be torn by a crash (every earlier one was fsynced before the
/// next was started), so replay cuts a bad tail only when it can be that one frame: no longer than the
/// largest record and holding no whole record after the damage. Anything else is refused as damage.
/// </summary>
sealed class WriteAheadLog : IDisposable
{
    public const string FileName = "wal.log";

    /// <summary>
    /// The largest frame one UpdateKeys can make: 50 keys and values at their limits, each string with a
    /// 2-byte length prefix, plus the version, ETag, time and counts (64 bytes is ample for those) and
    /// the frame's length and checksum. A bad tail longer than this cannot be a single torn append.
    /// </summary>
    // Version, an empty-string ETag, time and two counts: no record is shorter, so shorter lengths need no checksum.
    const int MinPayloadBytes = 8 + 1 + 8 + 4 + 4;

    internal const int MaxFrameBytes = 4 + 64 + KvsLimits.MaxKeysPerUpdate * (KvsLimits.MaxKeyBytes + 2 + KvsLimits.MaxValueBytes + 2) + 32;

    readonly FileStream file;

    WriteAheadLog(FileStream file) => this.file = file;

    public long Length => file.Length;

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>
    /// Opens (or creates) the log and returns the records that follow <paramref name="snapshotVersion"/>
    /// in unbroken version order, and how many bytes of torn tail were cut. Records at or below it are
    /// already in the snapshot: a crash between writing a snapshot and emptying the log leaves them behind, harmlessly.
    /// </summary>
    /// <exception cref="LocalStoreDamagedException">A record other than the last is damaged, or records skip a version.</exception>
    public static (WriteAheadLog Log, List<LogRecord> Records, long CutBytes) Open(string directory, long snapshotVersion)
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
                        throw new LocalStoreDamagedException(path, $"its records jump from version {expectedVersion - 1} to {record.Version}");
                    records.Add(record);
                    expectedVersion++;
                }
                validLength += frameLength;
            }

            long cutBytes = content.Length - validLength;
            if (cutBytes > 0)
            {
                if (!IsTornTail(content.AsSpan(validLength)))
                    throw new LocalStoreDamagedException(path,
                        $"the record at byte {validLength} of {content.Length} fails its checksum and is not a torn last write (whole records follow it, or more bytes than one write makes)");
                // The torn tail was never acknowledged; drop it so new records follow the last whole one.
                file.SetLength(validLength);
                file.Flush(flushToDisk: true);
            }
            file.Position = validLength;
            return (new(file), records, cutBytes);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Whether the bytes after the last whole record can be what a crash leaves: part of one append.
    /// A flipped byte in an earlier record leaves whole records behind it (found by trying every
    /// offset, which only costs a checksum where a plausible length fits), or more than one frame of bytes.
    /// </summary>
    static bool IsTornTail(ReadOnlySpan<byte> tail)
    {
        if (tail.Length > MaxFrameBytes)
            return false;
        for (var offset = 1; offset + sizeof(int) <= tail.Length; offset++)
            if (BinaryPrimitives.ReadInt32LittleEndian(tail[offset..]) >= MinPayloadBytes && ChecksummedFrame.TryRead(tail[offset..], out _, out _))
                return false;
        return true;
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
