extern alias emulator;
using emulator::EdgeAllowlist.Emulator;
using System.Net.Http.Json;
using Amazon.Runtime;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Store;
using Microsoft.AspNetCore.Builder;

namespace EdgeAllowlist.Api.Tests.Fixtures;

/// <summary>
/// The service configured with a KVS ARN, so it uses the AWS client, pointed at the real emulator
/// (in-process, 127.0.0.1, random port, SigV4a-checked) instead of AWS.
/// </summary>
public class EmulatorApiHost : IAsyncLifetime
{
    public const string Arn = "arn:aws:cloudfront::123456789012:key-value-store/7d1c2f3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    const string AccessKeyId = "AKIDEXAMPLE";
    const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    readonly string emulatorData = Directory.CreateTempSubdirectory("ea-emu-").FullName;
    WebApplication emulatorApp = null!;

    public ApiHost Api { get; private set; } = null!;

    /// <summary>Settings of <see cref="Api"/>; another instance made with them shares its store (and its database, if PostgreSQL).</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Null: SQLite in the instance's own folder; else a PostgreSQL database every instance shares.</summary>
    protected virtual string? DatabaseConnectionString => null;

    public Uri EmulatorAddress { get; private set; } = null!;

    /// <summary>A client of our own straight to the emulator, to play "someone else" editing the store.</summary>
    public KeyValueStoreClient DirectClient() => new(Options(), new BasicAWSCredentials(AccessKeyId, SecretAccessKey));

    /// <summary>Switches the emulator's injected faults (its unsigned admin API).</summary>
    public async Task SetFaultsAsync(object faults)
    {
        using var http = new HttpClient { BaseAddress = EmulatorAddress };
        (await http.PutAsJsonAsync("/_emulator/faults", faults)).EnsureSuccessStatusCode();
    }

    KeyValueStoreClientOptions Options() => new() { Arn = Arn, EndpointOverride = EmulatorAddress.ToString(), UseEndpointOverrideVerbatim = true };

    public async Task InitializeAsync()
    {
        emulatorApp = EmulatorHost.Create(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], o =>
        {
            o.DataPath = emulatorData;
            o.Stores = [Arn];
            o.Credentials = [new() { AccessKeyId = AccessKeyId, SecretAccessKey = SecretAccessKey }];
            o.EnableAdminEndpoints = true;
        });
        await emulatorApp.StartAsync();
        EmulatorAddress = EmulatorHost.ListeningAddress(emulatorApp);
        // The service reads credentials from the AWS default chain, as in production; here the environment.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretAccessKey);
        Settings["Database:ConnectionString"] = DatabaseConnectionString ?? "";
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["Kvs:Arn"] = Arn,
            ["Kvs:EndpointOverride"] = EmulatorAddress.ToString(),
            ["Kvs:UseEndpointOverrideVerbatim"] = "true",
            ["Kvs:BaseBackoff"] = "00:00:00.001",
            ["Kvs:MaxBackoff"] = "00:00:00.010",
            // Instances that share a database share the audit key, as docs/audit.md asks: each signs and verifies the others' checkpoints and journal rows.
            ["Audit:KeyFile"] = Path.Combine(emulatorData, "audit-key.pem"),
        })
            Settings[key] = value;
        Api = NewInstance();
        await Api.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await emulatorApp.DisposeAsync();
        Directory.Delete(emulatorData, recursive: true);
    }

    /// <summary>Another instance of the service with the same store and database settings (not started).</summary>
    public ApiHost NewInstance() => NewInstance(new Dictionary<string, string?>());

    /// <summary>Another instance with some settings changed (say, its data folder or its secret sweep).</summary>
    public ApiHost NewInstance(IReadOnlyDictionary<string, string?> overrides) =>
        new ConfiguredApiHost(Settings.Concat(overrides).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value), Api?.AdminToken);

    sealed class ConfiguredApiHost(IReadOnlyDictionary<string, string?> settings, string? adminToken) : ApiHost(null, settings, adminToken);
}

/// <summary>The emulator store with a shared PostgreSQL database, so several instances can serve it together.</summary>
public sealed class SharedPostgresEmulatorApiHost : EmulatorApiHost
{
    readonly string connectionString = PostgresServer.CreateDatabase();

    protected override string? DatabaseConnectionString => connectionString;
}
