extern alias emulator;
using emulator::EdgeAllowlist.Emulator;
using EdgeAllowlist.Reliability;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>The real KVS emulator on 127.0.0.1 (random port, fresh folder) holding the reliability store, for tests that run the API as a process.</summary>
public sealed class EmulatedStore : IAsyncDisposable
{
    readonly string folder;
    readonly Amazon.Runtime.ImmutableCredentials? credentials;
    WebApplication app;

    EmulatedStore(WebApplication app, string folder, Amazon.Runtime.ImmutableCredentials? credentials)
    {
        this.app = app;
        this.folder = folder;
        this.credentials = credentials;
        Address = EmulatorHost.ListeningAddress(app);
    }

    public Uri Address { get; }

    /// <summary>The folder of the one store (its snapshot.bin and wal.log), for tests that damage or restore its files while the emulator is stopped.</summary>
    public string StoreFolder => Directory.GetDirectories(folder).Single();

    /// <param name="credentials">The one key pair the emulator accepts; default the reliability runs' example pair.</param>
    public static async Task<EmulatedStore> StartAsync(int port = 0, Amazon.Runtime.ImmutableCredentials? credentials = null)
    {
        var folder = Directory.CreateTempSubdirectory("ea-rel-kvs-").FullName;
        return new(await StartAppAsync(port, folder, credentials), folder, credentials);
    }

    static async Task<WebApplication> StartAppAsync(int port, string folder, Amazon.Runtime.ImmutableCredentials? credentials)
    {
        var app = EmulatorHost.Create(["--urls", $"http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning"], o =>
        {
            o.DataPath = folder;
            o.Stores = [ApiSettings.Arn];
            o.Credentials = [new() { AccessKeyId = credentials?.AccessKey ?? ApiSettings.AccessKeyId, SecretAccessKey = credentials?.SecretKey ?? ApiSettings.SecretAccessKey }];
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>Stops listening (a connection is then refused) and starts again on the same port and data, as a store process restarted.</summary>
    public async Task StopAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public async Task StartAgainAsync() => app = await StartAppAsync(Address.Port, folder, credentials);

    /// <summary>
    /// 20 % of data-plane calls fail: 500/503/429 before running, and writes applied and then
    /// answered with a 500 or a dropped connection.
    /// </summary>
    public static FaultSettings OneCallInFive(int seed) => new()
    {
        Seed = seed,
        ErrorRate = 0.14,
        ErrorStatusCodes = [500, 503, 429],
        FailAfterApplyRate = 0.035,
        DropConnectionAfterApplyRate = 0.035,
    };

    public void SetFaults(FaultSettings faults) => app.Services.GetRequiredService<FaultInjector>().Set(faults);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}
