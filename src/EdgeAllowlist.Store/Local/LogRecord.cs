namespace EdgeAllowlist.Store.Local;

/// <summary>One acknowledged UpdateKeys, as the write-ahead log keeps it: the version and ETag it produced.</summary>
sealed record LogRecord(long Version, string ETag, DateTimeOffset Timestamp, IReadOnlyCollection<KeyValueItem> Puts, IReadOnlyCollection<string> Deletes)
{
    public byte[] ToPayload()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(Version);
            writer.Write(ETag);
            writer.Write(Timestamp.ToUnixTimeMilliseconds());
            writer.Write(Puts.Count);
            foreach (var put in Puts)
            {
                writer.Write(put.Key);
                writer.Write(put.Value);
            }
            writer.Write(Deletes.Count);
            foreach (var key in Deletes)
                writer.Write(key);
        }
        return buffer.ToArray();
    }

    public static LogRecord FromPayload(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload));
        var version = reader.ReadInt64();
        var etag = reader.ReadString();
        var timestamp = DateTimeOffset.FromUnixTimeMilliseconds(reader.ReadInt64());
        var puts = new KeyValueItem[reader.ReadInt32()];
        for (var i = 0; i < puts.Length; i++)
            puts[i] = new(reader.ReadString(), reader.ReadString());
        var deletes = new string[reader.ReadInt32()];
        for (var i = 0; i < deletes.Length; i++)
            deletes[i] = reader.ReadString();
        return new(version, etag, timestamp, puts, deletes);
    }
}
