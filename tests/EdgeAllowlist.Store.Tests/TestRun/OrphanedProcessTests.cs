using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using Xunit.Abstractions;

namespace EdgeAllowlist.Store.Tests.TestRun;

/// <summary>
/// A test host that dies without running any code of its own (SIGKILL) still leaves no process of its run
/// behind: <see cref="TestProcesses"/>'s watchdog stops them. The test runs itself in a child
/// <c>dotnet test</c>, where it starts the real fixtures (the run's private PostgreSQL, the emulator as a
/// process) and waits to be killed.
/// </summary>
public sealed class OrphanedProcessTests(ITestOutputHelper output)
{
    const string ReportVariable = "EDGE_ALLOWLIST_TEST_ORPHAN_REPORT";

    // Generous for a loaded machine; on an idle one the watchdog is done within about a second.
    static readonly TimeSpan CleanedWithin = TimeSpan.FromSeconds(60);

    sealed record Report(int TestHost, string RunId, int PostgresPort, int Emulator, string EmulatorFolder);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task A_test_host_killed_with_SIGKILL_leaves_no_postgres_or_emulator_process_of_its_run_behind()
    {
        if (Environment.GetEnvironmentVariable(ReportVariable) is { Length: > 0 } reportPath)
        {
            await HoldFixturesUntilKilledAsync(reportPath);
            return;
        }
        if (!OperatingSystem.IsLinux())
            return;

        var work = Directory.CreateTempSubdirectory("ea-orphan-").FullName;
        var path = Path.Combine(work, "report.json");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var method = $"{typeof(OrphanedProcessTests).FullName}.{nameof(A_test_host_killed_with_SIGKILL_leaves_no_postgres_or_emulator_process_of_its_run_behind)}";
        foreach (var argument in (string[])["test", typeof(OrphanedProcessTests).Assembly.Location, "--filter", $"FullyQualifiedName={method}"])
            start.ArgumentList.Add(argument);
        start.Environment[ReportVariable] = path;
        var childOutput = new StringBuilder();
        using var run = Process.Start(start)!;
        run.OutputDataReceived += (_, e) => { lock (childOutput) childOutput.AppendLine(e.Data); };
        run.ErrorDataReceived += (_, e) => { lock (childOutput) childOutput.AppendLine(e.Data); };
        run.BeginOutputReadLine();
        run.BeginErrorReadLine();
        try
        {
            var report = await WaitForReportAsync(path, run, childOutput);
            var marked = TestProcesses.Marked(report.RunId);
            marked.ShouldContain(report.Emulator, "the emulator carries the run's mark");
            var postgres = marked.Select(CommandLine).Where(c => c.Contains("postgres", StringComparison.Ordinal) && c.Contains(" -k ", StringComparison.Ordinal)).ToList();
            var postgresRoot = postgres.ShouldHaveSingleItem("the run's postmaster carries the run's mark").Split(" -k ")[1].Split(' ')[0];
            Listening(report.PostgresPort).ShouldBeTrue();
            Directory.Exists(postgresRoot).ShouldBeTrue();

            Process.GetProcessById(report.TestHost).Kill(); // SIGKILL: no finaliser, no ProcessExit handler runs

            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < CleanedWithin && (TestProcesses.Marked(report.RunId).Count > 0 || Listening(report.PostgresPort)
                                                     || Directory.Exists(postgresRoot) || Directory.Exists(report.EmulatorFolder)))
                await Task.Delay(200);
            output.WriteLine($"Cleaned up {clock.Elapsed.TotalSeconds:0.0} s after the SIGKILL ({marked.Count} marked processes before it).");
            var left = TestProcesses.Marked(report.RunId).Select(p => $"{p}: {CommandLine(p)}").ToList();
            left.ShouldBeEmpty($"still running {clock.Elapsed} after the test host was killed");
            Alive(report.Emulator).ShouldBeFalse("the emulator process");
            Listening(report.PostgresPort).ShouldBeFalse("the run's PostgreSQL still accepts connections");
            Directory.Exists(postgresRoot).ShouldBeFalse("the PostgreSQL folder is removed");
            Directory.Exists(report.EmulatorFolder).ShouldBeFalse("a folder registered with RemoveAtEnd is removed");
        }
        finally
        {
            if (!run.HasExited)
                run.Kill(entireProcessTree: true);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The child's side: the fixtures of a real run, a report of what to look for, then nothing until SIGKILL.</summary>
    static async Task HoldFixturesUntilKilledAsync(string reportPath)
    {
        var database = new NpgsqlConnectionStringBuilder(PostgresServer.CreateDatabase());
        var folder = Directory.CreateTempSubdirectory("ea-orphan-emulator-").FullName;
        TestProcesses.RemoveAtEnd(folder);
        var emulator = Process.Start(ChildProcess.StartInfo(ChildProcess.BuiltAssembly("EdgeAllowlist.Emulator"),
            ["--urls", "http://127.0.0.1:0", $"--Emulator:DataPath={folder}"], new Dictionary<string, string>()))!;
        emulator.OutputDataReceived += (_, _) => { };
        emulator.ErrorDataReceived += (_, _) => { };
        emulator.BeginOutputReadLine();
        emulator.BeginErrorReadLine();
        var report = new Report(Environment.ProcessId, TestProcesses.RunId, database.Port, emulator.Id, folder);
        await File.WriteAllTextAsync(reportPath + ".tmp", JsonSerializer.Serialize(report));
        File.Move(reportPath + ".tmp", reportPath);
        await Task.Delay(Timeout.Infinite);
    }

    static async Task<Report> WaitForReportAsync(string path, Process run, StringBuilder output)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (run.HasExited || clock.Elapsed > TimeSpan.FromMinutes(4))
            {
                lock (output)
                    throw new InvalidOperationException($"The child test run gave no report (exited: {run.HasExited}):\n{output}");
            }
            await Task.Delay(200);
        }
        return JsonSerializer.Deserialize<Report>(await File.ReadAllTextAsync(path))!;
    }

    static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    static bool Alive(int pid) => CommandLine(pid).Contains("EdgeAllowlist.Emulator", StringComparison.Ordinal);

    static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
