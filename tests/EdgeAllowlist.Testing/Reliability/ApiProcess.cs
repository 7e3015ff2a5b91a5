using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using EdgeAllowlist.Testing;

namespace EdgeAllowlist.Reliability;

/// <summary>
/// The API as a real process (the built EdgeAllowlist.Api.dll under <c>dotnet</c>), so it can be
/// killed with SIGKILL and started again on the same data folder, database and store. Its output is
/// drained (an unread pipe would block it) and the last lines are kept for failure messages; the first
/// lines of each stream are kept apart, for checks of what goes where (the bootstrap token, log lines).
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    const int KeptLines = 2000;
    readonly Queue<string> tail = new();
    readonly List<string> standardOutput = [];
    readonly List<string> standardError = [];
    readonly Process process;
    bool disposed;

    ApiProcess(Process process, Uri baseAddress)
    {
        this.process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>The first lines the process wrote to standard output (the JSON log stream).</summary>
    public IReadOnlyList<string> StandardOutput
    {
        get
        {
            lock (tail) return standardOutput.ToList();
        }
    }

    /// <summary>The first lines the process wrote to standard error.</summary>
    public IReadOnlyList<string> StandardError
    {
        get
        {
            lock (tail) return standardError.ToList();
        }
    }

    public string Tail
    {
        get
        {
            lock (tail) return string.Join('\n', tail);
        }
    }

    /// <summary>
    /// Starts the API with <paramref name="settings"/> (configuration keys, e.g. <c>Kvs:Arn</c>) on
    /// <paramref name="port"/> (0: a free one; a restart passes the old one so clients keep their
    /// address) and waits until /readyz answers 200.
    /// </summary>
    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int port = 0, TimeSpan? readyWithin = null)
    {
        var api = Start(settings, port);
        try
        {
            await api.WaitUntilReadyAsync(readyWithin ?? TimeSpan.FromSeconds(60));
        }
        catch
        {
            // Not handed to the caller, so nobody else would end it.
            await api.DisposeAsync();
            throw;
        }
        return api;
    }

    /// <summary>
    /// Starts the API for a start that is expected to be refused and waits for it to exit (killed after
    /// <paramref name="within"/>): the exit code and what it wrote to standard error, line by line.
    /// </summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> StandardError)> RunUntilExitAsync(IReadOnlyDictionary<string, string> settings, TimeSpan within)
    {
        var run = await RunCommandAsync(new Dictionary<string, string>(settings) { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}" }, [], within);
        return (run.ExitCode, run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Starts the API as <see cref="StartAsync"/> does, without waiting for it to be ready (for an API that never will be).</summary>
    public static ApiProcess Start(IReadOnlyDictionary<string, string> settings, int port = 0)
    {
        port = port == 0 ? FreePort() : port;
        var start = StartInfo(settings, []);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var api = new ApiProcess(Process.Start(start)!, new($"http://127.0.0.1:{port}"));
        api.process.OutputDataReceived += (_, e) => api.Keep(e.Data, api.standardOutput);
        api.process.ErrorDataReceived += (_, e) => api.Keep(e.Data, api.standardError);
        api.process.BeginOutputReadLine();
        api.process.BeginErrorReadLine();
        return api;
    }

    /// <summary>
    /// Runs the API binary with <paramref name="args"/> (a command such as <c>admin reset-token</c>) to its
    /// exit, with <paramref name="settings"/> as for <see cref="StartAsync"/>.
    /// </summary>
    public static Task<CommandRun> RunCommandAsync(IReadOnlyDictionary<string, string> settings, IReadOnlyList<string> args, TimeSpan? within = null) =>
        ChildProcess.RunAsync(StartInfo(settings, args), within);

    static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> settings, IReadOnlyList<string> args) =>
        ChildProcess.StartInfo(ChildProcess.BuiltAssembly("EdgeAllowlist.Api"), args, new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
        }.Concat(settings).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value));

    public HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush; whatever was in flight is cut.</summary>
    public async Task KillAsync()
    {
        if (process.HasExited)
            return;
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
    }

    /// <summary>Resident memory of the process in bytes (VmRSS from /proc), or null where there is no /proc.</summary>
    public long? WorkingSetBytes()
    {
        var status = $"/proc/{process.Id}/status";
        if (!File.Exists(status))
            return null;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
            return;
        disposed = true;
        await KillAsync();
        process.Dispose();
    }

    async Task WaitUntilReadyAsync(TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < within)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The API exited with {process.ExitCode} before it was ready:\n{Tail}");
            try
            {
                if ((await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The API was not ready within {within}:\n{Tail}");
    }

    void Keep(string? line, List<string> stream)
    {
        if (line is null)
            return;
        lock (tail)
        {
            if (stream.Count < KeptLines)
                stream.Add(line);
            tail.Enqueue(line);
            if (tail.Count > 40)
                tail.Dequeue();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

