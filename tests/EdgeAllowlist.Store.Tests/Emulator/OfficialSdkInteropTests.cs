using System.Diagnostics;
using System.Text.Json;

using EdgeAllowlist.Testing.Emulator;

namespace EdgeAllowlist.Store.Tests.Emulator;

/// <summary>
/// The unmodified AWS SDK for JavaScript v3 (tests/interop) against the emulator, with an SDK-style
/// endpoint override: the SDK itself puts the account in front of "localhost".
/// </summary>
[Trait("Category", "Slow")]
public sealed class OfficialSdkInteropTests
{
    static readonly string InteropFolder = Path.Combine(RepositoryPaths.Root, "tests", "interop");

    [Fact]
    public async Task The_official_javascript_sdk_runs_every_operation_against_the_emulator()
    {
        await EnsurePackagesAsync();
        await using var emulator = await RunningEmulator.StartAsync();

        var output = await RunAsync("node", "kvs-interop.cjs", new()
        {
            ["KVS_ENDPOINT"] = $"http://localhost:{emulator.BaseAddress.Port}",
            ["KVS_ARN"] = RunningEmulator.Arn,
            ["AWS_ACCESS_KEY_ID"] = RunningEmulator.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = RunningEmulator.SecretAccessKey,
        });

        var result = JsonDocument.Parse(output).RootElement;
        result.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()).ShouldBe(["123456789012.localhost"]);
        result.GetProperty("describe").GetProperty("arn").GetString().ShouldBe(RunningEmulator.Arn);
        result.GetProperty("put").GetProperty("itemCount").GetInt32().ShouldBe(1);
        result.GetProperty("get").GetProperty("value").GetString().ShouldBe("{}");
        result.GetProperty("update").GetProperty("itemCount").GetInt32().ShouldBe(2);
        result.GetProperty("list").GetProperty("first").EnumerateArray().Select(k => k.GetString()).ShouldBe(["a/b c"]);
        result.GetProperty("list").GetProperty("rest").EnumerateArray().Select(k => k.GetString()).ShouldBe(["cfg"]);
        result.GetProperty("delete").GetProperty("itemCount").GetInt32().ShouldBe(1);
        var errors = result.GetProperty("errors");
        errors.GetProperty("staleETag").GetProperty("name").GetString().ShouldBe("ConflictException");
        errors.GetProperty("staleETag").GetProperty("status").GetInt32().ShouldBe(409);
        errors.GetProperty("missingKey").GetProperty("name").GetString().ShouldBe("ResourceNotFoundException");

        using var client = emulator.Client();
        var description = await client.DescribeAsync();
        description.ETag.ShouldBe(result.GetProperty("final").GetProperty("etag").GetString());
        (await client.GetAsync("cfg"))!.Value.ShouldBe("""{"v":1}""");
    }

    static async Task EnsurePackagesAsync()
    {
        if (Directory.Exists(Path.Combine(InteropFolder, "node_modules", "@aws-sdk", "client-cloudfront-keyvaluestore"))) return;
        await RunAsync("npm", "ci --no-audit --no-fund", []);
    }

    static async Task<string> RunAsync(string fileName, string arguments, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = InteropFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.ShouldBe(0, $"{fileName} {arguments} failed:\n{await stderr}\n{await stdout}");
        return await stdout;
    }
}
