using System.Security.Cryptography;
using EdgeAllowlist.Audit.Signing;

namespace EdgeAllowlist.Api.Infrastructure.Audit.Signing;

/// <summary>
/// An ECDSA P-256 private key in a PKCS#8 PEM file, created 0600 on first start. Kept out of the
/// data folder by default (<see cref="AuditOptions.KeyFileFor"/>) so a copy of the database and
/// store, or whoever can write them, does not get the key with them.
/// </summary>
public sealed class LocalKeyFileSigner : IAuditSigner, IDisposable
{
    readonly ECDsa key;

    LocalKeyFileSigner(ECDsa key, string path, bool created)
    {
        this.key = key;
        Path = path;
        Created = created;
    }

    public string Kind => "local-file";

    public string Path { get; }

    /// <summary>True when this start created the key.</summary>
    public bool Created { get; }

    public static LocalKeyFileSigner OpenOrCreate(string path)
    {
        try
        {
            return OpenOrCreateOnce(path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another instance sharing the key created it between our look and our create: use theirs.
            return OpenOrCreateOnce(path);
        }
    }

    static LocalKeyFileSigner OpenOrCreateOnce(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~PrivateFiles.FileMode) != 0)
                throw new InvalidOperationException($"The audit signing key {path} is readable by others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); chmod 600 it.");
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256)
                throw new InvalidOperationException($"The audit signing key {path} is not an ECDSA P-256 key.");
            return new(key, path, created: false);
        }
        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        PrivateFiles.CreateFolder(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        // CreateNew: two instances starting at once never overwrite each other's key.
        using (var file = PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        using (var writer = new StreamWriter(file))
            writer.Write(key.ExportPkcs8PrivateKeyPem());
        return new(key, path, created: true);
    }

    public Task<byte[]> PublicKeyAsync(CancellationToken cancellationToken) => Task.FromResult(key.ExportSubjectPublicKeyInfo());

    public Task<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken) =>
        Task.FromResult(key.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence));

    public void Dispose() => key.Dispose();
}
