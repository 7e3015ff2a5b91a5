using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeAllowlist.Bench;

/// <summary>
/// The overall timeout of a bench run and what the run was doing when it hit it: the step a
/// scenario last announced (<see cref="Step"/>) and the last line it printed. A run that overruns
/// is reported with both, its child processes (API, emulator) are killed and the exit code is 124,
/// so a hung run ends with a reason instead of holding the machine.
/// </summary>
public static class BenchProgress
{
    public const int TimedOutExitCode = 124;

    /// <summary>Overrides the default overall timeout (a TimeSpan, e.g. <c>00:45:00</c>).</summary>
    public const string TimeoutVariable = "EDGE_ALLOWLIST_BENCH_TIMEOUT";

    static readonly Stopwatch Clock = Stopwatch.StartNew();
    static volatile string step = "starting";
    static TimeSpan stepStarted;
    static LastLineWriter? output;

    /// <summary>Says what the run is waiting for now, for the timeout message.</summary>
    public static void Step(string what)
    {
        step = what;
        stepStarted = Clock.Elapsed;
    }

    /// <summary>Runs <paramref name="run"/> within <paramref name="defaultTimeout"/> (or the one <see cref="TimeoutVariable"/> sets).</summary>
    public static async Task<int> RunWithinAsync(string name, TimeSpan defaultTimeout, Func<Task<int>> run)
    {
        var timeout = defaultTimeout;
        if (Environment.GetEnvironmentVariable(TimeoutVariable) is { Length: > 0 } set && !TryParseTimeout(set, out timeout))
        {
            Console.Error.WriteLine($"{name}: {TimeoutVariable}={set} is not a timeout: give seconds (600) or hh:mm:ss (00:10:00), more than 0 and at most 24 hours.");
            return 2;
        }
        output = new LastLineWriter(Console.Out);
        Console.SetOut(output);
        var running = run();
        if (await Task.WhenAny(running, Task.Delay(timeout)) == running)
            return await running;
        Console.Error.WriteLine($"{name}: TIMED OUT after {timeout} (overall limit; set {TimeoutVariable} to change it). " +
            $"Waiting for: {step} (for {(Clock.Elapsed - stepStarted).TotalSeconds:F0} s). Last output: {output.LastLine ?? "(none)"}");
        KillChildren();
        return TimedOutExitCode;
    }

    /// <summary>
    /// Seconds or a <see cref="TimeSpan"/>. A bare number is seconds: <c>TimeSpan.Parse("900")</c> is 900 days,
    /// which no timer takes.
    /// </summary>
    static bool TryParseTimeout(string text, out TimeSpan timeout)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            timeout = TimeSpan.FromSeconds(seconds);
        else if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out timeout))
            return false;
        return timeout > TimeSpan.Zero && timeout <= TimeSpan.FromHours(24);
    }

    /// <summary>Every process this one started (and theirs), by parent id in /proc: they would outlive the run otherwise.</summary>
    static void KillChildren()
    {
        var self = Environment.ProcessId;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parent == self)
                    Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or FormatException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }
    }

    /// <summary>Passes output through and keeps the last complete line.</summary>
    sealed class LastLineWriter(TextWriter inner) : TextWriter
    {
        readonly StringBuilder current = new();

        public string? LastLine { get; private set; }

        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            inner.Write(value);
            lock (current)
            {
                if (value == '\n')
                {
                    LastLine = current.ToString().TrimEnd('\r');
                    current.Clear();
                }
                else
                    current.Append(value);
            }
        }

        public override void Write(string? value)
        {
            foreach (var c in value ?? "")
                Write(c);
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            Write('\n');
        }

        public override void Flush() => inner.Flush();
    }
}
