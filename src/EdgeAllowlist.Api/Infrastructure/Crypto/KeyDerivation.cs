using System.Security.Cryptography;
using System.Text;

namespace EdgeAllowlist.Api.Infrastructure.Crypto;

/// <summary>
/// The service's one key derivation, and the AES-GCM sealing that uses it. A key is derived
/// (HKDF-SHA256) from a secret the database never holds — a caller's bearer token — for one purpose
/// and one context, so what it seals (a kept answer that may show a partner secret) can be opened
/// only by the same caller presenting the same token, never from a database dump. Nothing the
/// service hands out (a secret, a token) is ever derived: those are random.
/// </summary>
public static class KeyDerivation
{
    const int KeyBytes = 32;

    /// <summary>A 256-bit key for <paramref name="purpose"/> and <paramref name="context"/> from <paramref name="secret"/>.</summary>
    public static byte[] Derive(string secret, string purpose, string context) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), KeyBytes,
            Encoding.UTF8.GetBytes(context), Encoding.UTF8.GetBytes("edge-allowlist " + purpose));

    /// <summary>Random nonce, tag and ciphertext, in base64.</summary>
    public static string Seal(byte[] key, byte[] plaintext)
    {
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using var aes = new AesGcm(key, tag.Length);
        aes.Encrypt(nonce, plaintext, ciphertext, tag);
        return Convert.ToBase64String([.. nonce, .. tag, .. ciphertext]);
    }

    /// <summary>The plaintext of <see cref="Seal"/>; throws <see cref="CryptographicException"/> for another key or altered bytes.</summary>
    public static byte[] Open(byte[] key, string sealedText)
    {
        var bytes = Convert.FromBase64String(sealedText);
        var nonceSize = AesGcm.NonceByteSizes.MaxSize;
        var tagSize = AesGcm.TagByteSizes.MaxSize;
        if (bytes.Length < nonceSize + tagSize)
            throw new CryptographicException("The sealed value is truncated.");
        var plaintext = new byte[bytes.Length - nonceSize - tagSize];
        using var aes = new AesGcm(key, tagSize);
        aes.Decrypt(bytes.AsSpan(0, nonceSize), bytes.AsSpan(nonceSize + tagSize), bytes.AsSpan(nonceSize, tagSize), plaintext);
        return plaintext;
    }
}
