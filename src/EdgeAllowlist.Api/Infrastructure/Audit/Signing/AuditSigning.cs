using EdgeAllowlist.Audit.Signing;

namespace EdgeAllowlist.Api.Infrastructure.Audit.Signing;

/// <summary>The configured <see cref="IAuditSigner"/> with its public key, read once.</summary>
public sealed class AuditSigning(IAuditSigner signer)
{
    readonly SemaphoreSlim gate = new(1, 1);
    AuditPublicKey? key;

    public string Kind => signer.Kind;

    public async Task<AuditPublicKey> KeyAsync(CancellationToken cancellationToken)
    {
        if (key is { } known)
            return known;
        await gate.WaitAsync(cancellationToken);
        try
        {
            return key ??= new(await signer.PublicKeyAsync(cancellationToken));
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<string> SignAsync(byte[] digest, CancellationToken cancellationToken) =>
        Convert.ToBase64String(await signer.SignDigestAsync(digest, cancellationToken));

    public IAuditSigner Signer => signer;

    /// <summary>True when <paramref name="signature"/> (base64) is this key's signature of <paramref name="digest"/>.</summary>
    public async Task<bool> VerifyAsync(byte[] digest, string? signature, CancellationToken cancellationToken)
    {
        if (signature is null)
            return false;
        var buffer = new byte[signature.Length];
        return Convert.TryFromBase64String(signature, buffer, out var written) && (await KeyAsync(cancellationToken)).Verify(digest, buffer[..written]);
    }
}
