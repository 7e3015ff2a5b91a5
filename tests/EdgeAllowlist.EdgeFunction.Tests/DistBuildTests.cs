using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>
/// function/dist/allowlist.js, the file that is deployed: the build of function/allowlist.js by the
/// minifier pinned in tests/interop (build-function.mjs), committed so reviewers read the exact bytes
/// that run at the edge, and small enough to leave headroom under CloudFront's 10,240 bytes.
/// </summary>
public sealed class DistBuildTests(ITestOutputHelper output)
{
    /// <summary>The budget: 6 KB of CloudFront's 10 KB, so the next capability still fits.</summary>
    public const int MaxDistBytes = 6_144;

    static readonly string Interop = Path.Combine(RepositoryPaths.Root, "tests", "interop");
    static readonly string Dist = Path.Combine(RepositoryPaths.Root, "function", "dist", "allowlist.js");

    [Fact]
    public void The_deployed_build_fits_its_budget()
    {
        var bytes = Encoding.UTF8.GetByteCount(File.ReadAllText(Dist));

        bytes.ShouldBeLessThanOrEqualTo(MaxDistBytes, $"function/dist/allowlist.js is {bytes} bytes; the budget is {MaxDistBytes}");
        File.ReadAllText(Dist).ShouldBe(Edge.Function.Source, "the runtime runs the committed build");
    }

    [Fact]
    public async Task The_committed_build_is_what_the_pinned_minifier_makes_of_the_source_now()
    {
        // Offline like CI: the pinned minifier comes from package-lock.json through the registry, as the SDK interop test's packages do.
        if (!Directory.Exists(Path.Combine(Interop, "node_modules", "terser")) && !await RunAsync("npm", ["ci", "--no-audit", "--no-fund"]))
            return;
        var built = new StringBuilder();
        if (!await RunAsync("node", ["build-function.mjs"], built)) return;

        built.ToString().ShouldBe(File.ReadAllText(Dist),
            "function/dist/allowlist.js is stale: run `node build-function.mjs ../../function/allowlist.js ../../function/dist/allowlist.js` in tests/interop and commit it");
    }

    /// <summary>Runs a tool in tests/interop; false (with a message) when it is not installed.</summary>
    async Task<bool> RunAsync(string tool, string[] arguments, StringBuilder? stdout = null)
    {
        var start = new ProcessStartInfo(tool) { WorkingDirectory = Interop, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            output.WriteLine($"SKIPPED: {tool} is not installed, so the build was not checked against the source.");
            return false;
        }
        using (process)
        {
            var text = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.ShouldBe(0, await errors);
            stdout?.Append(await text);
            return true;
        }
    }
}
