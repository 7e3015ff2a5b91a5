using Amazon.Runtime;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Reliability;

/// <summary>
/// The one emulated store every reliability run uses and the API configuration that points the
/// service at it through the AWS client (<c>Kvs:Arn</c> + endpoint override), as an operator would.
/// Example credentials from the SigV4 test suite, never real ones.
/// </summary>
public static class ApiSettings
{
    public const string Arn = "arn:aws:cloudfront::123456789012:key-value-store/7e1a0c2b-3d4e-4f5a-8b6c-9d0e1f2a3b4c";
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    public static readonly BasicAWSCredentials Credentials = new(AccessKeyId, SecretAccessKey);

    /// <summary>A bootstrap admin token in the service's format (eaat_ + 43 base64url characters).</summary>
    public static string NewAdminToken() => "eaat_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Settings for an API on the emulator at <paramref name="emulator"/>: fast client retries (the
    /// faults are frequent), short attempt timeouts, and SQLite in <paramref name="dataDirectory"/>
    /// unless <paramref name="postgres"/> names a database.
    /// </summary>
    public static Dictionary<string, string> For(Uri emulator, string dataDirectory, string adminToken, string? postgres = null) => new()
    {
        ["DataDirectory"] = dataDirectory,
        ["Database:ConnectionString"] = postgres ?? "",
        ["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = adminToken,
        ["Kvs:Arn"] = Arn,
        ["Kvs:EndpointOverride"] = emulator.ToString(),
        ["Kvs:UseEndpointOverrideVerbatim"] = "true",
        ["Kvs:BaseBackoff"] = "00:00:00.010",
        ["Kvs:MaxBackoff"] = "00:00:00.200",
        ["Kvs:AttemptTimeout"] = "00:00:02",
        ["Secrets:DistributionDomain"] = MutationWorkload.DistributionDomain,
        ["Idempotency:InProgressLease"] = "00:00:03",
        // The runs drive over 1,000 requests a second through one admin token: above the per-token default.
        ["Auth:MaxRequestsPerToken"] = "1000000",
        ["AWS_ACCESS_KEY_ID"] = AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = SecretAccessKey,
    };

    /// <summary>
    /// Settings for an API on its embedded defaults (local store and SQLite in <paramref name="dataDirectory"/>)
    /// driven through one admin token at bench rates, so the per-token limit is lifted to measure the request path itself.
    /// </summary>
    public static Dictionary<string, string> Embedded(string dataDirectory, string adminToken) => new()
    {
        ["DataDirectory"] = dataDirectory,
        ["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = adminToken,
        ["Auth:MaxRequestsPerToken"] = "1000000",
    };

    /// <summary>
    /// <paramref name="settings"/> with no AWS credential source left but the one a test adds: the example
    /// keys the settings carry, any this test process has, profile files and instance metadata are cut off.
    /// </summary>
    public static Dictionary<string, string> WithoutCredentialSources(Dictionary<string, string> settings, string dataDirectory)
    {
        settings["AWS_ACCESS_KEY_ID"] = "";
        settings["AWS_SECRET_ACCESS_KEY"] = "";
        settings["AWS_SESSION_TOKEN"] = "";
        settings["AWS_PROFILE"] = "";
        settings["AWS_WEB_IDENTITY_TOKEN_FILE"] = "";
        settings["AWS_CONFIG_FILE"] = Path.Combine(dataDirectory, "no-aws-config");
        settings["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(dataDirectory, "no-aws-credentials");
        settings["AWS_EC2_METADATA_DISABLED"] = "true";
        settings["AWS_REGION"] = "us-east-1";
        return settings;
    }

    /// <summary>The AWS client on the same store, for checks and for the external writer; no retries, so faults are seen as they are.</summary>
    public static KeyValueStoreClient StoreClient(Uri emulator, int maxAttempts = 4) =>
        new(new() { Arn = Arn, EndpointOverride = emulator.ToString(), UseEndpointOverrideVerbatim = true, MaxAttempts = maxAttempts, BaseBackoff = TimeSpan.FromMilliseconds(10) }, Credentials);
}
