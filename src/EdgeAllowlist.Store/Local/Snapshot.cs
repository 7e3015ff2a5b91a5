using System.Text;

namespace EdgeAllowlist.Store.Local;

/// <summary>The whole store at one version. Written only whole, under a temporary name, then renamed.</summary>
sealed record Snapshot(
    string Arn,
    DateTimeOffset Created,
    DateTimeOffset LastModified,
    long Version,
    string ETag,
    IReadOnlyCollection<KeyValuePair<string, string>> Items)
{
    public const string FileName = "snapshot.bin";
    const string TemporaryFileName = "snapshot.tmp";
    static readonly byte[] Magic = "EAKVSNP1"u8.ToArray();

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>Replaces the snapshot in <paramref name="directory"/> atomically and durably.</summary>
    public void WriteTo(string directory)
    {
        var temporary = Path.Combine(directory, TemporaryFileName);
        using (var file = PrivateFiles.Open(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Magic);
            file.Write(ChecksummedFrame.Build(ToPayload()));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, PathIn(directory), overwrite: true);
        DirectorySync.Flush(directory);
    }

    /// <summary>Removes a temporary file left by a crash during <see cref="WriteTo"/>; it never holds anything the snapshot and log lack.</summary>
    public static void DeleteLeftovers(string directory) => File.Delete(Path.Combine(directory, TemporaryFileName));

    public static Snapshot ReadFrom(string directory)
    {
        var path = PathIn(directory);
        var bytes = File.ReadAllBytes(path);
        // A snapshot only ever appears by rename after an fsync, so a damaged one is not a crash
        // artefact but real corruption: refuse to guess.
        if (!bytes.AsSpan().StartsWith(Magic)
            || !ChecksummedFrame.TryRead(bytes.AsSpan(Magic.Length), out var payload, out var frameLength)
            || Magic.Length + frameLength != bytes.Length)
            throw new LocalStoreDamagedException(path, "bad header, length or checksum");
        return FromPayload(payload.ToArray());
    }

    byte[] ToPayload()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8))
        {
            writer.Write(Arn);
            writer.Write(Created.ToUnixTimeMilliseconds());
            writer.Write(LastModified.ToUnixTimeMilliseconds());
            writer.Write(Version);
            writer.Write(ETag);
            writer.Write(Items.Count);
            foreach (var (key, value) in Items)
            {
                writer.Write(key);
                writer.Write(value);
            }
        }
        return buffer.ToArray();
    }

    static Snapshot FromPayload(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        var arn = reader.ReadString();
        var created = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
        var lastModified = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
        var version = reader.ReadInt64();
        var etag = reader.ReadString();
        var items = new KeyValuePair<string, string>[reader.ReadInt32()];
        for (var i = 0; i < items.Length; i++)
            items[i] = new(reader.ReadString(), reader.ReadString());
        return new(arn, created, lastModified, version, etag, items);
    }
}
