using System.Buffers.Binary;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>
/// The checks SQLite itself makes of a file's 100-byte header when it opens it (and answers "file is
/// not a database"), made without opening it, so a running instance notices a header damaged under
/// its pooled connections, and the few it lets pass but which only damage explains (a schema format
/// above 4, an unknown text encoding, reserved bytes not zero). Bytes it leaves unchecked and never
/// relies on (change counter, schema cookie, cache size, user version, application id, version
/// numbers) are left alone: a flip there is harmless. See https://www.sqlite.org/fileformat.html#the_database_header.
/// </summary>
public static class SqliteFileHeader
{
    static readonly byte[] Magic = "SQLite format 3\0"u8.ToArray();

    /// <summary>What is wrong with the header of <paramref name="path"/>; null when it is sound, or the file is absent, empty or unreadable now.</summary>
    public static async Task<string?> ProblemAsync(string path, CancellationToken cancellationToken)
    {
        var header = new byte[100];
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: false);
            if (await file.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken) < header.Length)
                return file.Length == 0 ? null : $"the file is {file.Length} bytes, shorter than its 100-byte header";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return Problem(header);
    }

    public static string? Problem(ReadOnlySpan<byte> header)
    {
        if (!header[..16].SequenceEqual(Magic))
            return "the header does not start with \"SQLite format 3\"";
        var pageSize = BinaryPrimitives.ReadUInt16BigEndian(header[16..]);
        if (pageSize != 1 && (pageSize < 512 || (pageSize & (pageSize - 1)) != 0))
            return $"the header's page size {pageSize} is not a power of two from 512 to 65536";
        if (header[18] is not (1 or 2) || header[19] is not (1 or 2))
            return $"the header's file format versions {header[18]}/{header[19]} are not 1 or 2";
        if (header[21] != 64 || header[22] != 32 || header[23] != 32)
            return $"the header's payload fractions {header[21]}/{header[22]}/{header[23]} are not 64/32/32";
        var schemaFormat = BinaryPrimitives.ReadUInt32BigEndian(header[44..]);
        if (schemaFormat > 4)
            return $"the header's schema format {schemaFormat} is not 0 to 4";
        var encoding = BinaryPrimitives.ReadUInt32BigEndian(header[56..]);
        if (encoding > 3)
            return $"the header's text encoding {encoding} is not 1, 2 or 3";
        if (header[72..92].IndexOfAnyExcept((byte)0) >= 0)
            return "the header's reserved bytes 72 to 91 are not zero";
        return null;
    }
}
