using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeAllowlist.Audit.Signing;

namespace EdgeAllowlist.Audit;

/// <summary>
/// A signed statement "the trail held <see cref="Count"/> entries, the last with hash
/// <see cref="HeadHash"/>, at <see cref="Time"/>", chained to the checkpoint before it by
/// <see cref="PrevDigest"/>. Signed with a key outside the database, so rewriting entries and
/// recomputing their hashes, or deleting the newest ones, contradicts a signature nobody with only
/// the database can make again.
/// </summary>
public sealed record AuditCheckpoint(long Id, long Count, string HeadHash, DateTimeOffset Time, string PrevDigest, string KeyId, string Signature)
{
    const string Domain = "edge-allowlist/audit-checkpoint/1";

    /// <summary>SHA-256 over a JSON array of the signed fields in a fixed order (time as Unix milliseconds); what is signed and what the next checkpoint chains to.</summary>
    public static byte[] DigestOf(long id, long count, string headHash, long unixMilliseconds, string prevDigest, string keyId) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize<object[]>([Domain, id, count, headHash, unixMilliseconds, prevDigest, keyId])));

    public byte[] Digest() => DigestOf(Id, Count, HeadHash, Time.ToUnixTimeMilliseconds(), PrevDigest, KeyId);

    public string DigestHex() => Convert.ToHexStringLower(Digest());

    public bool IsSignedBy(AuditPublicKey key) =>
        KeyId == key.KeyId && TryBase64(Signature) is { } signature && key.Verify(Digest(), signature);

    static byte[]? TryBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) ? buffer[..written] : null;
    }

    public static async Task<AuditCheckpoint> SignAsync(IAuditSigner signer, AuditPublicKey key, long id, long count, string headHash, DateTimeOffset time, string prevDigest, CancellationToken cancellationToken)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());
        var signature = await signer.SignDigestAsync(DigestOf(id, count, headHash, at.ToUnixTimeMilliseconds(), prevDigest, key.KeyId), cancellationToken);
        return new(id, count, headHash, at, prevDigest, key.KeyId, Convert.ToBase64String(signature));
    }
}
