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
    readonly WebApplicationFactory<Program> factory;
    readonly Dictionary<string, string?> settings;
    readonly bool ownsDataDirectory;

    public ApiHost() : this(databaseConnectionString: null)
    {
    }

    protected ApiHost(string? databaseConnectionString, IReadOnlyDictionary<string, string?>? extraSettings = null, string? adminToken = null, string? dataDirectory = null)
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
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings)
                builder.UseSetting(key, value);
            builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs).AddSingleton<TimeProvider>(Clock));
        });
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
    }

    public string AdminToken { get; }

    public string DataDirectory { get; }

    public CapturedLogs Logs { get; } = new();

    /// <summary>The service's clock: real time, moved forward by tests that need expiries to pass.</summary>
    public TestClock Clock { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => factory.Services;

    public T Service<T>() where T : notnull => factory.Services.GetRequiredService<T>();

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
    public async Task StartAsync(bool waitUntilReady)
    {
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new(address);
        if (!waitUntilReady)
            return;
        using var client = Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        HttpResponseMessage ready;
        while ((ready = await client.GetAsync("/readyz")).StatusCode != HttpStatusCode.OK)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The API was not ready after 3 minutes: {await ready.Content.ReadAsStringAsync()}");
            await Task.Delay(20);
        }
    }

    public virtual async Task DisposeAsync()
    {
        await factory.DisposeAsync();
        if (ownsDataDirectory)
        {
            Directory.Delete(DataDirectory, recursive: true);
            File.Delete(Infrastructure.Audit.AuditOptions.KeyFileFor(DataDirectory));
        }
    }
}

/// <summary>The service on a data folder the caller keeps, to stop and start it again on the same data.</summary>
public sealed class RestartableApiHost(string dataDirectory, string adminToken) : ApiHost(null, null, adminToken, dataDirectory);

/// <summary>The same service on a fresh database in a real PostgreSQL.</summary>
public sealed class PostgresApiHost() : ApiHost(PostgresServer.CreateDatabase());

/// <summary>The service on a PostgreSQL the caller runs (and may stop and start).</summary>
public sealed class OwnPostgresApiHost(string connectionString) : ApiHost(connectionString);
