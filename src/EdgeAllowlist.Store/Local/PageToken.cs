using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace EdgeAllowlist.Store.Local;

/// <summary>
/// ListKeys continuation token: the last key returned, with a checksum so that a garbled or made-up
/// token is refused rather than silently read as some other position. Continuing "after the last key"
/// instead of "at offset n" keeps pages correct while other writers add or remove keys.
/// </summary>
static class PageToken
{
    const byte FormatVersion = 1;
    const int ChecksumBytes = 8;
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Encode(string lastKey)
    {
        var keyBytes = StrictUtf8.GetBytes(lastKey);
        var token = new byte[1 + ChecksumBytes + keyBytes.Length];
        token[0] = FormatVersion;
        keyBytes.CopyTo(token, 1 + ChecksumBytes);
        Checksum(keyBytes).CopyTo(token.AsSpan(1));
        return Base64Url.EncodeToString(token);
    }

    /// <summary>The key after which the next page starts.</summary>
    public static string Decode(string token)
    {
        var bytes = FromBase64Url(token);
        if (bytes is null || bytes.Length <= 1 + ChecksumBytes || bytes[0] != FormatVersion)
            throw Invalid();
        var keyBytes = bytes.AsSpan(1 + ChecksumBytes);
        if (!bytes.AsSpan(1, ChecksumBytes).SequenceEqual(Checksum(keyBytes)))
            throw Invalid();
        try
        {
            return StrictUtf8.GetString(keyBytes);
        }
        catch (DecoderFallbackException)
        {
            throw Invalid();
        }
    }

    static byte[] Checksum(ReadOnlySpan<byte> keyBytes)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(keyBytes, hash);
        return hash[..ChecksumBytes].ToArray();
    }

    static byte[]? FromBase64Url(string token)
    {
        if (!Base64Url.IsValid(token))
            return null;
        // Base64 ignores the spare bits of its last character, so two spellings can decode alike;
        // only the one this class writes is accepted.
        var bytes = Base64Url.DecodeFromChars(token);
        return Base64Url.EncodeToString(bytes) == token ? bytes : null;
    }

    static KvsException Invalid() =>
        KvsException.Validation("NextToken is not valid: pass the NextToken exactly as the previous ListKeys returned it.");
}
