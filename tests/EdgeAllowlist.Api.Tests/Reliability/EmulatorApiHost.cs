using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// The service in-process on Kestrel, configured as in production against a KVS through the AWS
/// client (<c>Kvs:Arn</c> + endpoint override) — here the emulator, whose faults a test switches on.
/// </summary>
public sealed class EmulatorApiHost : ApiHost
{
    static EmulatorApiHost()
    {
        // The AWS default credential chain reads these; example values from the SigV4 test suite.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", ApiSettings.AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", ApiSettings.SecretAccessKey);
    }

    readonly int emulatorPort;

    public EmulatorApiHost() : this(ApiProcess.FreePort())
    {
    }

    EmulatorApiHost(int emulatorPort) : base(null, ApiSettings.For(new($"http://127.0.0.1:{emulatorPort}"), "", "")
        .Where(s => s.Key.StartsWith("Kvs:", StringComparison.Ordinal) || s.Key.StartsWith("Secrets:", StringComparison.Ordinal))
        .ToDictionary(s => s.Key, s => (string?)s.Value)) => this.emulatorPort = emulatorPort;

    public EmulatedStore Emulator { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Emulator = await EmulatedStore.StartAsync(emulatorPort);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
