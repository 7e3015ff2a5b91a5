using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using EdgeAllowlist.Api.Infrastructure.Crypto;

namespace EdgeAllowlist.Api.Infrastructure.Writer;

/// <summary>
/// Authenticates the database mirror with a key the database never holds, so a mirror edited in the
/// database (a row inserted, deleted or changed, the ETag left alone) is found when it is loaded
/// instead of served. The digest of a mirror is the sum, modulo 2^256, of a keyed hash of each
/// row: a write updates it from the rows it changes (no pass over the whole mirror), and without the
/// key nobody can compute a row's term, so no edit of the rows keeps the sum. The seal binds that
/// digest to the ETag and the row count. Key: setting <c>Mirror:Key</c> (give every instance that
/// shares a database the same one), else a random key in <c>&lt;data&gt;/mirror.key</c> (0600).
/// </summary>
public sealed class MirrorSeal
{
    const string KeyFileName = "mirror.key";
    static readonly BigInteger Modulus = BigInteger.One << 256;

    readonly byte[] key;

    public MirrorSeal(byte[] key)
    {
        this.key = key;
        KeyId = Convert.ToHexString(HMACSHA256.HashData(key, "edge-allowlist mirror key id"u8))[..16].ToLowerInvariant();
    }

    /// <summary>Names the key without revealing it, so a seal made with another key is told apart from an edited one.</summary>
    public string KeyId { get; }

    /// <summary>The configured key (checked at start, <see cref="MirrorOptions"/>), else the key file in the data folder, created on first use.</summary>
    public static MirrorSeal From(MirrorOptions options, string dataDirectory)
    {
        if (options.Key is { Length: > 0 } configured)
            return new(KeyDerivation.Derive(configured, "mirror seal", "v1"));
        var path = Path.Combine(dataDirectory, KeyFileName);
        if (!File.Exists(path))
        {
            using var created = PrivateFiles.Open(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None);
            created.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
            created.Flush(flushToDisk: true);
            created.Dispose();
            // Two instances starting on one folder at once: the first rename wins, the other reads it.
            try
            {
                File.Move(path + ".tmp", path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(path + ".tmp");
            }
        }
        return new(KeyDerivation.Derive(File.ReadAllText(path).Trim(), "mirror seal", "v1"));
    }

    /// <summary>The digest of <paramref name="items"/>, row by row.</summary>
    public BigInteger DigestOf(IEnumerable<KeyValuePair<string, string>> items)
    {
        var sum = BigInteger.Zero;
        foreach (var (k, v) in items)
            sum += Term(k, v);
        return sum % Modulus;
    }

    /// <summary><paramref name="digest"/> after <paramref name="key"/> went from <paramref name="before"/> to <paramref name="after"/> (null: absent).</summary>
    public BigInteger Update(BigInteger digest, string key, string? before, string? after)
    {
        if (before is not null)
            digest -= Term(key, before);
        if (after is not null)
            digest += Term(key, after);
        digest %= Modulus;
        return digest.Sign < 0 ? digest + Modulus : digest;
    }

    /// <summary>
    /// The seal kept next to the mirror's ETag: the key id, then the MAC of ETag, row count, digest
    /// and whether the rows are only partly checked against the store (<see cref="StoreState.Fresh"/>).
    /// </summary>
    public string Seal(string etag, int count, BigInteger digest, bool partial = false) =>
        KeyId + ":" + (partial ? PartialMark : "")
        + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"edge-allowlist mirror seal v1\n{etag}\n{count}\n{digest:x}\n{(partial ? "partial" : "whole")}")));

    const string PartialMark = "partial:";

    /// <summary>What a loaded mirror's seal says about its rows.</summary>
    public SealCheck Check(string? seal, string etag, int count, BigInteger digest)
    {
        if (seal is null)
            return SealCheck.Missing;
        if (!seal.StartsWith(KeyId + ":", StringComparison.Ordinal))
            return SealCheck.OtherKey;
        var partial = seal.AsSpan(KeyId.Length + 1).StartsWith(PartialMark, StringComparison.Ordinal);
        return !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(seal), Encoding.ASCII.GetBytes(Seal(etag, count, digest, partial))) ? SealCheck.Invalid
            : partial ? SealCheck.Partial
            : SealCheck.Valid;
    }

    BigInteger Term(string k, string v)
    {
        var keyBytes = Encoding.UTF8.GetBytes(k);
        var data = new byte[4 + keyBytes.Length + Encoding.UTF8.GetByteCount(v)];
        BitConverter.TryWriteBytes(data.AsSpan(0, 4), keyBytes.Length);
        keyBytes.CopyTo(data, 4);
        Encoding.UTF8.GetBytes(v, data.AsSpan(4 + keyBytes.Length));
        return new BigInteger(HMACSHA256.HashData(key, data), isUnsigned: true);
    }
}

/// <summary>
/// Valid: the rows are the ones this service saved. Missing (a database from before seals), OtherKey
/// (an instance with another <c>Mirror:Key</c> saved it) and Invalid (the rows or the seal were edited)
/// all mean "in doubt": the mirror is compared with the store before anything is served from it.
/// </summary>
public enum SealCheck
{
    Valid,
    /// <summary>Valid, saved after a write caught up by reading only its keys: the rows are this service's, but other keys may have moved in the store; the store is read before it is served.</summary>
    Partial,
    Missing,
    OtherKey,
    Invalid,
}

/// <summary>Section <c>Mirror</c>: the key that seals the database mirror; every instance sharing a database needs the same one.</summary>
public sealed class MirrorOptions : Configuration.ISettings
{
    public static string Section => "Mirror";

    /// <summary>At least 32 characters (e.g. <c>openssl rand -base64 32</c>); empty: a random key in <c>&lt;data&gt;/mirror.key</c>.</summary>
    public string? Key { get; set; }

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (Key is { Length: > 0 and < 32 })
            yield return (nameof(Key), $"must be at least 32 characters, e.g. openssl rand -base64 32 (got {Key.Length})");
    }
}
