using System.Net.Http.Json;
using Amazon.Runtime;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAllowlist.Testing.Emulator;

/// <summary>The real emulator on 127.0.0.1 with a random port and a fresh data folder; one per test.</summary>
public sealed class RunningEmulator : IAsyncDisposable
{
    public const string AccessKeyId = "AKIDEXAMPLE";
    public const string SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string Arn = "arn:aws:cloudfront::123456789012:key-value-store/0e2a1c34-5b6d-4e7f-8a9b-0c1d2e3f4a5b";

    public static readonly BasicAWSCredentials Credentials = new(AccessKeyId, SecretAccessKey);

    readonly WebApplication app;
    readonly TemporaryFolder? ownedFolder;

    RunningEmulator(WebApplication app, TemporaryFolder? ownedFolder)
    {
        this.app = app;
        this.ownedFolder = ownedFolder;
        BaseAddress = EmulatorHost.ListeningAddress(app);
        Admin = new() { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }

    /// <summary>A plain client for the unsigned /_emulator admin API and raw requests.</summary>
    public HttpClient Admin { get; }

    /// <summary>The emulator's stores as it holds them, read in-process rather than through /_emulator.</summary>
    public StoreRegistry Registry => app.Services.GetRequiredService<StoreRegistry>();

    /// <param name="dataPath">Reuse a folder (a restart); null for a fresh one removed on dispose.</param>
    /// <param name="args">More command-line configuration; the test store, credentials and admin endpoints still apply, then <paramref name="configure"/>.</param>
    public static Task<RunningEmulator> StartAsync(string? dataPath = null, Action<EmulatorOptions>? configure = null, params string[] args) =>
        StartCoreAsync(dataPath, o =>
        {
            o.Stores = [Arn];
            o.Credentials = [new() { AccessKeyId = AccessKeyId, SecretAccessKey = SecretAccessKey }];
            o.EnableAdminEndpoints = true;
            configure?.Invoke(o);
        }, args);

    /// <summary>Stores and credentials exactly as the command-line configuration says; only the data folder is a fresh one.</summary>
    public static Task<RunningEmulator> StartFromConfigurationAsync(params string[] args) => StartCoreAsync(null, null, args);

    static async Task<RunningEmulator> StartCoreAsync(string? dataPath, Action<EmulatorOptions>? configure, string[] args)
    {
        var ownedFolder = dataPath is null ? new TemporaryFolder() : null;
        var path = dataPath ?? ownedFolder!.Path;
        var app = EmulatorHost.Create(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", .. args], o =>
        {
            o.DataPath = path;
            configure?.Invoke(o);
        });
        await app.StartAsync();
        return new(app, ownedFolder);
    }

    public KeyValueStoreClientOptions ClientOptions(int maxAttempts = 3) => new()
    {
        Arn = Arn,
        EndpointOverride = BaseAddress.ToString(),
        UseEndpointOverrideVerbatim = true,
        MaxAttempts = maxAttempts,
        BaseBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
    };

    /// <summary>A client that talks to this emulator over loopback HTTP, counting every response it sees.</summary>
    public KeyValueStoreClient Client(out AttemptLog attempts, int maxAttempts = 3, AWSCredentials? credentials = null)
    {
        attempts = new();
        return new(ClientOptions(maxAttempts), credentials ?? Credentials, new HttpClient(attempts));
    }

    public KeyValueStoreClient Client(int maxAttempts = 3) => Client(out _, maxAttempts);

    public async Task SetFaultsAsync(FaultSettings faults)
    {
        using var response = await Admin.PutAsJsonAsync("/_emulator/faults", faults);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        ownedFolder?.Dispose();
    }
}

/// <summary>Records the status of every attempt the client makes (0 for no answer); the requests go over the real network.</summary>
public sealed class AttemptLog() : DelegatingHandler(new SocketsHttpHandler())
{
    readonly List<int> statuses = [];

    public IReadOnlyList<int> Statuses
    {
        get
        {
            lock (statuses) return statuses.ToList();
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await base.SendAsync(request, cancellationToken);
            lock (statuses) statuses.Add((int)response.StatusCode);
            return response;
        }
        catch (HttpRequestException)
        {
            lock (statuses) statuses.Add(0);
            throw;
        }
    }
}
