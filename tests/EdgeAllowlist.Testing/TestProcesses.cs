using System.Diagnostics;

namespace EdgeAllowlist.Testing;

/// <summary>
/// Stops every process a test run started (PostgreSQL, the emulator, the API and CLI as child processes,
/// Playwright's driver and Chromium) once the test host is gone, however it went: a normal end, a failed
/// test, Ctrl-C, SIGTERM, or SIGKILL, when no code of the host runs any more.
/// </summary>
/// <remarks>
/// <para>
/// Marking: <see cref="Guard"/> puts <c>EDGE_ALLOWLIST_TEST_RUN=&lt;id&gt;</c> into this process's environment, so
/// every process started from here on inherits it, and so do their own children, including those that
/// detach: pg_ctl daemonises postgres and Playwright's driver starts Chromium, neither of which the test
/// host ever sees as a child.
/// </para>
/// <para>
/// Watching: a shell watchdog, started with <c>setsid -f</c> so it is in neither the host's session
/// (Ctrl-C does not reach it) nor its process tree (a runner that kills the host's tree does not end it),
/// reads a pipe whose only writer is this process. When this process ends, the kernel closes the pipe and
/// the watchdog reads end-of-file; it then sends SIGTERM, and after a grace SIGKILL, to every process whose
/// environment (<c>/proc/&lt;pid&gt;/environ</c>) carries the id, and removes the folders registered
/// with <see cref="RemoveAtEnd"/>.
/// </para>
/// <para>
/// Not PR_SET_PDEATHSIG: it fires when the parent <em>thread</em> ends (Process.Start runs on pool threads
/// that come and go), needs a wrapper around each program, and does not reach pg_ctl's daemonised server.
/// Not a <c>kill -0 &lt;pid&gt;</c> poll: a pipe's end-of-file cannot be fooled by a reused process id, and
/// comes at once instead of at the next poll. Not a finaliser or ProcessExit handler: neither runs on SIGKILL.
/// </para>
/// </remarks>
public static class TestProcesses
{
    public const string RunVariable = "EDGE_ALLOWLIST_TEST_RUN";

    // $1: the run id. Lines on stdin: 'remove <folder>'. End-of-file: this host has ended.
    // TERM first so PostgreSQL can shut down cleanly (and free its shared memory); KILL what is left after 5 s.
    // The scan repeats because a process can start a child between two scans (a backend, a browser tab).
    const string Watchdog = """
        exec >/dev/null 2>&1
        marker="EDGE_ALLOWLIST_TEST_RUN=$1"
        folders=""
        while IFS= read -r line; do
          case "$line" in "remove "*) folders="$folders${line#remove }
        ";; esac
        done
        marked() {
          for environ in /proc/[0-9]*/environ; do
            pid=${environ#/proc/}; pid=${pid%/environ}
            [ "$pid" = "$$" ] && continue
            grep -qzxF "$marker" "$environ" 2>/dev/null && echo "$pid"
          done
        }
        round=0
        while [ $round -lt 30 ]; do
          pids=$(marked)
          [ -z "$pids" ] && break
          if [ $round -lt 5 ]; then kill -TERM $pids; else kill -KILL $pids; fi
          round=$((round + 1))
          sleep 1
        done
        printf '%s' "$folders" | while IFS= read -r folder; do
          [ -n "$folder" ] && rm -rf -- "$folder"
        done
        """;

    static readonly Lock Gate = new();
    static Process? watchdog;

    /// <summary>This test host's run id, as its processes carry it in <see cref="RunVariable"/>.</summary>
    public static string RunId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>
    /// Starts the watchdog and marks this process's environment, once per process; every test assembly
    /// calls it from a module initialiser, before any test can start a process, and so does
    /// <see cref="PostgresServer"/>. A process started before it is not guarded.
    /// </summary>
    public static void Guard()
    {
        lock (Gate)
        {
            if (watchdog is not null || !OperatingSystem.IsLinux())
                return;
            var start = new ProcessStartInfo("setsid") { RedirectStandardInput = true, UseShellExecute = false };
            foreach (var argument in (string[])["-f", "sh", "-c", Watchdog, "edge-allowlist-test-watchdog", RunId])
                start.ArgumentList.Add(argument);
            // The watchdog must not carry the marker of an enclosing run, nor its own.
            start.Environment.Remove(RunVariable);
            // Kept, never disposed: disposing would close the pipe, which is the signal that the run has ended.
            watchdog = Process.Start(start)!;
            watchdog.StandardInput.AutoFlush = true;
            Environment.SetEnvironmentVariable(RunVariable, RunId);
        }
    }

    /// <summary>Has the watchdog remove <paramref name="folder"/> (recursively) once the processes of the run are stopped.</summary>
    public static void RemoveAtEnd(string folder)
    {
        if (folder.Contains('\n', StringComparison.Ordinal))
            throw new ArgumentException("A folder to remove is sent as one line.", nameof(folder));
        Guard();
        lock (Gate)
            watchdog?.StandardInput.WriteLine($"remove {folder}");
    }

    /// <summary>The processes now carrying <paramref name="runId"/> in their environment (what the watchdog would stop).</summary>
    public static IReadOnlyList<int> Marked(string runId)
    {
        var marker = System.Text.Encoding.UTF8.GetBytes($"{RunVariable}={runId}");
        var found = new List<int>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
                continue;
            byte[] environment;
            try
            {
                environment = File.ReadAllBytes(Path.Combine(folder, "environ"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // ended meanwhile, or not ours to read
            }
            foreach (var entry in ((ReadOnlySpan<byte>)environment).Split((byte)0))
                if (environment.AsSpan(entry).SequenceEqual(marker))
                {
                    found.Add(pid);
                    break;
                }
        }
        return found;
    }
}
