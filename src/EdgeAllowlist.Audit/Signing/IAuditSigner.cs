using System.Security.Cryptography;

namespace EdgeAllowlist.Audit.Signing;

/// <summary>
/// The key that signs audit checkpoints and write-journal rows. It is never in the database, so
/// someone who can rewrite the database can rewrite entries and recompute their hashes, but cannot
/// sign a checkpoint for the result. ECDSA P-256 over a SHA-256 digest, signatures DER-encoded: the
/// form AWS KMS returns for ECDSA_SHA_256, so both signers' output verifies the same way.
/// </summary>
public interface IAuditSigner
{
    /// <summary><c>local-file</c> or <c>aws-kms</c>, for status and the public-key route.</summary>
    string Kind { get; }

    /// <summary>The public key, DER SubjectPublicKeyInfo.</summary>
    Task<byte[]> PublicKeyAsync(CancellationToken cancellationToken);

    /// <summary>A DER ECDSA signature of the 32-byte SHA-256 <paramref name="digest"/>.</summary>
    Task<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken);
}

/// <summary>What a verifier needs of a public key; written once for the service, the CLI and the tests.</summary>
public sealed class AuditPublicKey
{
    readonly byte[] subjectPublicKeyInfo;

    public AuditPublicKey(byte[] subjectPublicKeyInfo)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        if (key.KeySize != 256)
            throw new CryptographicException("The audit key must be an ECDSA P-256 key.");
        this.subjectPublicKeyInfo = subjectPublicKeyInfo;
        KeyId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));
    }

    /// <summary>The SHA-256 of the DER public key: what a checkpoint names its key by.</summary>
    public string KeyId { get; }

    public string Pem => PemEncoding.WriteString("PUBLIC KEY", subjectPublicKeyInfo) + "\n";

    /// <summary>Reads a PEM <c>PUBLIC KEY</c> (as <c>/v1/audit/public-key</c> serves it, or <c>openssl ec -pubout</c> writes it).</summary>
    public static AuditPublicKey FromPem(string pem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new(key.ExportSubjectPublicKeyInfo());
    }

    public bool Verify(byte[] digest, byte[] signature)
    {
        using var key = ECDsa.Create();
        key.ImportSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        try
        {
            return key.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false; // not a DER signature at all
        }
    }
}
