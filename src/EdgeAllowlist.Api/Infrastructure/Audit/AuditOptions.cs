using EdgeAllowlist.Api.Infrastructure.Configuration;

namespace EdgeAllowlist.Api.Infrastructure.Audit;

/// <summary>Settings <c>Audit:*</c>: the checkpoint cadence and the key that signs them.</summary>
public sealed class AuditOptions : ISettings
{
    public static string Section => "Audit";

    /// <summary>A checkpoint is signed once this many entries follow the last one...</summary>
    public int CheckpointEvery { get; set; } = 1000;

    /// <summary>...or once this much time has passed, whichever comes first, new entries or not: a trail whose newest checkpoint is older than twice this was cut.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The local ECDSA P-256 key (PKCS#8 PEM, 0600); default: <c>&lt;data folder&gt;.audit-key.pem</c>, beside the data folder. Unused when <see cref="Kms"/> names a key.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Where the newest checkpoint is published outside the database; default <c>&lt;data folder&gt;/audit-checkpoint.json</c>.</summary>
    public string? CheckpointFile { get; set; }

    public KmsOptions Kms { get; set; } = new();

    public sealed class KmsOptions
    {
        /// <summary>Key id, ARN or alias of an ECC_NIST_P256 SIGN_VERIFY key; set, it signs instead of the key file.</summary>
        public string? KeyId { get; set; }

        public string? Region { get; set; }

        /// <summary>Another endpoint (a VPC endpoint; a fake in tests).</summary>
        public string? ServiceUrl { get; set; }
    }

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (CheckpointEvery <= 0)
            yield return (nameof(CheckpointEvery), "must be positive");
        if (CheckpointInterval <= TimeSpan.Zero)
            yield return (nameof(CheckpointInterval), "must be positive");
    }

    /// <summary>How old the newest checkpoint may be before verification calls the trail cut.</summary>
    public TimeSpan MaxCheckpointAge => CheckpointInterval * 2;

    public static string KeyFileFor(string dataDirectory) => Path.TrimEndingDirectorySeparator(dataDirectory) + ".audit-key.pem";
}
