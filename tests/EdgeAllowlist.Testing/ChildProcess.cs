using System.Diagnostics;

namespace EdgeAllowlist.Testing;

/// <summary>How a one-shot run of a built program ended: exit code and everything it wrote to each stream.</summary>
public sealed record CommandRun(int ExitCode, string Output, string Error);

/// <summary>A built project of the repository run under <c>dotnet</c> as a child process, as a user would run it.</summary>
public static class ChildProcess
{
    /// <summary>
    /// <c>src/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;framework&gt;/&lt;project&gt;.dll</c>, built in the same
    /// configuration as the running code (Debug for tests, Release for the bench).
    /// </summary>
    public static string BuiltAssembly(string project)
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var dll = Path.Combine(RepositoryPaths.Root, "src", project, "bin", here.Parent!.Name, here.Name, project + ".dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {project} first ({here.Parent.Name}).", dll);
    }

    /// <summary>
    /// Start information for <paramref name="dll"/> with <paramref name="args"/>; <paramref name="environment"/> is
    /// added to this process's environment (keys with <c>:</c> become <c>__</c>), an empty value removes the variable.
    /// </summary>
    public static ProcessStartInfo StartInfo(string dll, IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment)
        {
            var name = key.Replace(":", "__", StringComparison.Ordinal);
            if (value.Length == 0)
                start.Environment.Remove(name);
            else
                start.Environment[name] = value;
        }
        return start;
    }

    /// <summary>
    /// Runs to the exit with <paramref name="input"/> (default: nothing) on standard input; killed, with a
    /// <see cref="TimeoutException"/>, if it outlives <paramref name="within"/>.
    /// </summary>
    public static async Task<CommandRun> RunAsync(ProcessStartInfo start, TimeSpan? within = null, string? input = null)
    {
        using var process = Process.Start(start)!;
        if (input is not null)
            await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var limit = within ?? TimeSpan.FromSeconds(60);
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{string.Join(' ', start.ArgumentList)}' did not exit within {limit}:\n{await error}");
        }
        return new(process.ExitCode, await output, await error);
    }
}
