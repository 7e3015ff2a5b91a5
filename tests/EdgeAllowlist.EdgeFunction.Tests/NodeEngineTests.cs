using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>
/// The same function file, the same sample events and attack corpus, under Node (V8, the engine
/// family CloudFront's runtime resembles) through tests/interop/edge-events.mjs: every run must give
/// exactly what Jint gives (returned object, log lines, KVS reads) and meet the case's expectation.
/// </summary>
public sealed class NodeEngineTests(ITestOutputHelper output)
{
    static readonly string Interop = Path.Combine(RepositoryPaths.Root, "tests", "interop");
    static readonly string FunctionFolder = Path.Combine(RepositoryPaths.Root, "function");

    public static TheoryData<string> Files() => ["source", "dist"];

    /// <summary>
    /// Each file under both engines: the readable source and the deployed build, so the build is proven
    /// to decide, log and read exactly like the source on every case (both are held to each case's expectation).
    /// </summary>
    [Theory]
    [MemberData(nameof(Files))]
    public async Task Node_and_Jint_give_identical_outcomes_for_every_sample_and_attack_under_every_missing_key_throw(string file)
    {
        var path = file == "dist" ? Path.Combine(FunctionFolder, "dist", "allowlist.js") : Path.Combine(FunctionFolder, "allowlist.js");
        var jintSource = file == "dist" ? Edge.Function.Source : Edge.Source.Source;
        File.ReadAllText(path).ShouldBe(jintSource, "Jint runs the repository file");
        var missingKeys = JsonSerializer.Serialize(AttackCorpusTests.MissingKeys.Select(m => new { message = m.Message, asError = m.AsError }));
        var lines = await RunNodeAsync(["--experimental-vm-modules", "edge-events.mjs", FunctionFolder, Edge.Unix(Edge.Now).ToString(), missingKeys, path]);
        if (lines is null) return;

        var cases = EventCases.LoadAll().Concat(EventCases.LoadAttacks()).ToList();
        var runtimes = AttackCorpusTests.MissingKeys.ToDictionary(m => m, m => EdgeFunctionRuntime.FromSource(jintSource, m, deployable: file == "dist"));
        lines.Count.ShouldBe(cases.Count * AttackCorpusTests.MissingKeys.Length);
        foreach (var line in lines)
        {
            var node = JsonNode.Parse(line)!.AsObject();
            var missingKey = new MissingKey(node["missingKey"]!["message"]!.GetValue<string>(), node["missingKey"]!["asError"]!.GetValue<bool>());
            var eventCase = cases.Single(c => c.Name == node["name"]!.GetValue<string>());
            var nodeOutput = node["output"]!.AsObject();
            var nodeLogs = node["logs"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
            var nodeReads = node["reads"]!.GetValue<int>();
            using var store = await TestStore.ForCaseAsync(eventCase);

            var jint = runtimes[missingKey].Run(eventCase.Event.DeepClone().AsObject(), store.Store, Edge.Now);

            var label = $"{file}: {eventCase.Name} ({missingKey})";
            eventCase.Expect.Mismatches(nodeOutput, nodeLogs, nodeReads).ShouldBeEmpty($"Node: {label}");
            JsonNode.DeepEquals(nodeOutput, jint.Output).ShouldBeTrue($"{label}: Node {nodeOutput.ToJsonString()} vs Jint {jint.Output.ToJsonString()}");
            nodeLogs.ShouldBe(jint.Logs, label);
            nodeReads.ShouldBe(jint.KvsReads, label);
        }
    }

    /// <summary>stdout lines of node, or null (with a message) when node is not installed.</summary>
    internal async Task<List<string>?> RunNodeAsync(string[] arguments) => await RunNodeAsync(output, arguments);

    internal static async Task<List<string>?> RunNodeAsync(ITestOutputHelper output, string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Interop, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            output.WriteLine("SKIPPED: node is not installed, so the function was not run under V8.");
            return null;
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            process.ExitCode.ShouldBe(0, await stderr);
            return [.. (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
        }
    }
}
