using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace EdgeAllowlist.Store.Tests.Local;

/// <summary>
/// The crash writer (tests/EdgeAllowlist.Store.CrashWriter) as a child process: started on a store
/// folder, its stdout lines read as they come, killed with SIGKILL.
/// </summary>
sealed partial class CrashWriterProcess : IAsyncDisposable
{
    static readonly TimeSpan LineTimeout = TimeSpan.FromSeconds(30);
    readonly Process process;
    readonly Channel<string> lines = Channel.CreateUnbounded<string>();
    readonly List<string> allLines = [];

    CrashWriterProcess(Process process) => this.process = process;

    public static CrashWriterProcess Start(string storeFolder, long compactionThresholdBytes)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(AssemblyPath());
        start.ArgumentList.Add(storeFolder);
        start.ArgumentList.Add(compactionThresholdBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var child = new CrashWriterProcess(new() { StartInfo = start });
        child.process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                child.lines.Writer.TryComplete();
            else
            {
                lock (child.allLines)
                    child.allLines.Add(e.Data);
                child.lines.Writer.TryWrite(e.Data);
            }
        };
        child.process.Start();
        child.process.BeginOutputReadLine();
        return child;
    }

    /// <summary>The next line the child prints, or null once it has exited.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(LineTimeout);
        return await lines.Reader.WaitToReadAsync(timeout.Token) && lines.Reader.TryRead(out var line) ? line : null;
    }

    /// <summary>SIGKILL: no finally blocks, no flushing, no disposal in the child.</summary>
    public async Task KillAsync()
    {
        process.Kill();
        await process.WaitForExitAsync();
    }

    public async Task<(int ExitCode, string StandardError)> WaitForExitAsync()
    {
        var standardError = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, standardError);
    }

    /// <summary>Every "ack" the child printed, in order; call after it has exited so none is missed.</summary>
    public IReadOnlyList<(long Step, string ETag)> Acknowledgements()
    {
        lock (allLines)
            return allLines.Select(line => AckLine().Match(line)).Where(m => m.Success)
                .Select(m => (long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[2].Value))
                .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
            await KillAsync();
        process.Dispose();
    }

    // The child's build output sits beside this assembly's: tests/<project>/bin/<configuration>/<framework>/.
    static string AssemblyPath()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = framework.Parent!;
        var testsFolder = configuration.Parent!.Parent!.Parent!;
        var path = Path.Combine(testsFolder.FullName, "EdgeAllowlist.Store.CrashWriter", "bin", configuration.Name, framework.Name, "EdgeAllowlist.Store.CrashWriter.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The crash writer is not built; it is a project reference of this test project.", path);
    }

    [GeneratedRegex("^ack ([0-9]+) (KV[0-9A-F]+)$")]
    private static partial Regex AckLine();
}
