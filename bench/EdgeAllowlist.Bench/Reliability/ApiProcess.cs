using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace EdgeAllowlist.Reliability;

/// <summary>
/// The API as a real process (the built EdgeAllowlist.Api.dll under <c>dotnet</c>), so it can be
/// killed with SIGKILL and started again on the same data folder, database and store. Its output is
/// drained (an unread pipe would block it) and the last lines are kept for failure messages.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    readonly Queue<string> tail = new();
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
        port = port == 0 ? FreePort() : port;
        var api = new ApiProcess(Process.Start(StartInfo(settings, port))!, new($"http://127.0.0.1:{port}"));
        api.process.OutputDataReceived += (_, e) => api.Keep(e.Data);
        api.process.ErrorDataReceived += (_, e) => api.Keep(e.Data);
        api.process.BeginOutputReadLine();
        api.process.BeginErrorReadLine();
        await api.WaitUntilReadyAsync(readyWithin ?? TimeSpan.FromSeconds(60));
        return api;
    }

    /// <summary>
    /// Starts the API for a start that is expected to be refused and waits for it to exit (killed after
    /// <paramref name="within"/>): the exit code and what it wrote to standard error, line by line.
    /// </summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> StandardError)> RunUntilExitAsync(IReadOnlyDictionary<string, string> settings, TimeSpan within)
    {
        using var process = Process.Start(StartInfo(settings, FreePort()))!;
        var standardError = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"The API was still running after {within}; it was expected to refuse to start.");
        }
        return (process.ExitCode, (await standardError).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> settings, int port)
    {
        var dll = ApiAssemblyPath();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return start;
    }

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

    void Keep(string? line)
    {
        if (line is null)
            return;
        lock (tail)
        {
            tail.Enqueue(line);
            if (tail.Count > 40)
                tail.Dequeue();
        }
    }

    /// <summary>The API built in the same configuration as the running code (Debug for tests, Release for the bench).</summary>
    static string ApiAssemblyPath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeAllowlist.slnx")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"No EdgeAllowlist.slnx above {AppContext.BaseDirectory}.");
        var dll = Path.Combine(root.FullName, "src", "EdgeAllowlist.Api", "bin", configuration, framework, "EdgeAllowlist.Api.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the API first ({configuration}).", dll);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
