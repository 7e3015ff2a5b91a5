using System.Net;
using System.Net.Http.Headers;
using EdgeAllowlist.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeAllowlist.Api.Tests.Fixtures;

/// <summary>
/// The real service on real Kestrel at 127.0.0.1 and a random port, with its own temp data folder
/// (SQLite file and local store) per test class, and a known bootstrap admin token.
/// </summary>
public class ApiHost : IAsyncLifetime
{
    readonly Server server;

    public ApiHost() : this(databaseConnectionString: null)
    {
    }

    /// <param name="configureServices">Runs after the service's own registrations, for a test that wraps one of them (the store, say).</param>
    protected ApiHost(string? databaseConnectionString, IReadOnlyDictionary<string, string?>? extraSettings = null, string? adminToken = null, string? dataDirectory = null,
        Action<IServiceCollection>? configureServices = null) =>
        server = new(databaseConnectionString, extraSettings, adminToken, dataDirectory, configureServices);

    /// <summary>A view on a server someone else owns (<see cref="SharedApiHost"/>).</summary>
    private protected ApiHost(Server server) => this.server = server;

    public string AdminToken => server.AdminToken;

    public string DataDirectory => server.DataDirectory;

    public CapturedLogs Logs => server.Logs;

    /// <summary>The service's clock: real time, moved forward by tests that need expiries to pass.</summary>
    public TestClock Clock => server.Clock;

    public Uri BaseAddress => server.BaseAddress;

    public IServiceProvider Services => server.Factory.Services;

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client with the given bearer token (none: anonymous).</summary>
    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient Admin() => Client(AdminToken);

    public virtual Task InitializeAsync() => StartAsync(waitUntilReady: true);

    /// <summary>
    /// Starts the server; with <paramref name="waitUntilReady"/>, until the writer has read the store and
    /// written the default policy, failing (not hanging the run) with what /readyz says if that takes minutes.
    /// </summary>
    public Task StartAsync(bool waitUntilReady) => server.StartAsync(waitUntilReady);

    public virtual Task DisposeAsync() => server.DisposeAsync();

    private protected sealed class Server
    {
        readonly Dictionary<string, string?> settings;
        readonly bool ownsDataDirectory;

        public Server(string? databaseConnectionString, IReadOnlyDictionary<string, string?>? extraSettings, string? adminToken, string? dataDirectory,
            Action<IServiceCollection>? configureServices = null)
        {
            AdminToken = adminToken ?? ApiTokenStore.NewToken();
            ownsDataDirectory = dataDirectory is null;
            DataDirectory = dataDirectory ?? Directory.CreateTempSubdirectory("ea-api-").FullName;
            settings = new()
            {
                ["DataDirectory"] = DataDirectory,
                ["Database:ConnectionString"] = databaseConnectionString ?? "",
                ["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = AdminToken,
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Information",
                ["Secrets:SweepInterval"] = "00:00:00.200",
            };
            foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
                settings[key] = value;
            Factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            {
                foreach (var (key, value) in settings)
                    builder.UseSetting(key, value);
                builder.ConfigureServices(services =>
                {
                    services.AddSingleton<ILoggerProvider>(Logs).AddSingleton<TimeProvider>(Clock);
                    configureServices?.Invoke(services);
                });
            });
            Factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        }

        public WebApplicationFactory<Program> Factory { get; }

        public string AdminToken { get; }

        public string DataDirectory { get; }

        public CapturedLogs Logs { get; } = new();

        public TestClock Clock { get; } = new();

        public Uri BaseAddress { get; private set; } = null!;

        public async Task StartAsync(bool waitUntilReady)
        {
            Factory.StartServer();
            var address = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            BaseAddress = new(address);
            if (!waitUntilReady)
                return;
            using var client = new HttpClient { BaseAddress = BaseAddress };
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            HttpResponseMessage ready;
            while ((ready = await client.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK)
            {
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"The API was not ready after 3 minutes: {await ready.Content.ReadAsStringAsync()}");
                await Task.Delay(20);
            }
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            if (ownsDataDirectory)
            {
                Directory.Delete(DataDirectory, recursive: true);
                File.Delete(Infrastructure.Audit.AuditOptions.KeyFileFor(DataDirectory));
            }
        }
    }
}

/// <summary>
/// One service for the whole test run, shared by the classes that take it: started by the first of them,
/// stopped when the test host exits (and, if the host is killed, its data folder removed by
/// <see cref="TestProcesses"/>'s watchdog; the server runs in this process, so it ends with it). For classes
/// that only read, or write keys, tokens and partners no other class uses, and assert nothing about the
/// whole trail, the whole store, its ETag or first-run state; docs/testing.md lists which classes share it and
/// why the others keep a host of their own. Failed authentications and requests per token are not limited
/// here: many classes send them from the same address and with the same admin token at once (the limits
/// have their own hosts in RequestLimitTests).
/// </summary>
public sealed class SharedApiHost() : ApiHost(Shared.Value.Server)
{
    static readonly Lazy<(Server Server, Task Started)> Shared = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);

    static (Server, Task) StartShared()
    {
        var server = new Server(null, new Dictionary<string, string?>
        {
            ["Auth:MaxFailures"] = "1000000",
            ["Auth:MaxRequestsPerToken"] = "1000000",
        }, adminToken: null, dataDirectory: null);
        TestProcesses.RemoveAtEnd(server.DataDirectory);
        TestProcesses.RemoveAtEnd(Infrastructure.Audit.AuditOptions.KeyFileFor(server.DataDirectory));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.DisposeAsync().Wait(TimeSpan.FromSeconds(30));
        return (server, Task.Run(() => server.StartAsync(waitUntilReady: true)));
    }

    /// <summary>Waits for the one start (a failed start fails every class that shares it, each with the same error).</summary>
    public override Task InitializeAsync() => Shared.Value.Started;

    /// <summary>Nothing: the next class may still use it; the test host's exit stops it.</summary>
    public override Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The service on a data folder the caller keeps, to stop and start it again on the same data.</summary>
public sealed class RestartableApiHost(string dataDirectory, string adminToken) : ApiHost(null, null, adminToken, dataDirectory);

/// <summary>The same service on a fresh database in a real PostgreSQL.</summary>
public sealed class PostgresApiHost() : ApiHost(PostgresServer.CreateDatabase());

/// <summary>The service on a PostgreSQL the caller runs (and may stop and start).</summary>
public sealed class OwnPostgresApiHost(string connectionString) : ApiHost(connectionString);
