using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EdgeAllowlist.Testing;

/// <summary>
/// A real PostgreSQL for the tests: the one named by EDGE_ALLOWLIST_TEST_POSTGRES if set, else a
/// private server started from /usr/lib/postgresql/*/bin in a temp folder on a free 127.0.0.1 port,
/// once per test run, and stopped when the run ends (by the test host if it ends normally, else by
/// <see cref="TestProcesses"/>'s watchdog). Each caller gets a fresh database.
/// </summary>
public static class PostgresServer
{
    static readonly Lazy<string> AdminConnectionString = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string CreateDatabase()
    {
        var name = $"ea_test_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(AdminConnectionString.Value))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString.Value) { Database = name }.ConnectionString;
    }

    static string Start()
    {
        if (Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_TEST_POSTGRES") is { Length: > 0 } configured)
            return configured;
        TestProcesses.Guard();
        var server = PrivatePostgres.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server.ConnectionString;
    }

    /// <summary>A server of the caller's own, which it may stop and start again (outage tests); nobody else uses it.</summary>
    public sealed class PrivatePostgres : IDisposable
    {
        readonly string bin;
        readonly string root;
        readonly string data;
        readonly int port;
        readonly bool asRoot = Environment.UserName == "root";

        PrivatePostgres()
        {
            bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
                ?? throw new InvalidOperationException("No PostgreSQL under /usr/lib/postgresql and EDGE_ALLOWLIST_TEST_POSTGRES is not set.");
            root = Directory.CreateTempSubdirectory("ea-pg-").FullName;
            // Dispose removes it; if the run dies first, the watchdog does, after stopping the server.
            TestProcesses.RemoveAtEnd(root);
            data = Path.Combine(root, "data");
            port = FreePort();
        }

        public string ConnectionString => $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=50";

        public static PrivatePostgres Start()
        {
            var server = new PrivatePostgres();
            // initdb refuses to run as root; the server then runs as the postgres user, who must own its folders.
            if (server.asRoot)
                Run("chown", "postgres:postgres", server.root);
            Run(server.bin, server.asRoot, "initdb", "-D", server.data, "-A", "trust", "-U", "postgres", "--no-sync");
            server.StartAgain();
            return server;
        }

        public void StartAgain() =>
            Run(bin, asRoot, "pg_ctl", "-D", data, "-l", Path.Combine(root, "server.log"), "-w", "-o",
                $"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start");

        /// <summary>Stops the server as an operator would: connections are cut, new ones refused.</summary>
        public void Stop() => Run(bin, asRoot, "pg_ctl", "-D", data, "-m", "fast", "-w", "stop");

        public void Dispose()
        {
            Run(bin, asRoot, "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop");
            Directory.Delete(root, recursive: true);
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static void Run(string bin, bool asPostgres, string tool, params string[] args) =>
        Run(asPostgres ? "runuser" : Path.Combine(bin, tool), asPostgres ? ["-u", "postgres", "--", Path.Combine(bin, tool), .. args] : args);

    static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error}{output.Result}");
    }
}
