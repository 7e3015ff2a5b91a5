using System.Diagnostics;
using EdgeAllowlist.Store.Local;
using EdgeAllowlist.Store.Tests.Local;
using EdgeAllowlist.Testing.Emulator;

namespace EdgeAllowlist.Store.Tests.Emulator;

/// <summary>The emulator as a real process over a damaged store folder: exit 65 and one line, not a stack trace.</summary>
public sealed class DamagedStoreTests : IDisposable
{
    readonly TemporaryFolder data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public async Task The_emulator_process_refuses_to_start_over_a_damaged_store_with_exit_65_and_one_line_naming_the_file()
    {
        var folder = Path.Combine(data.Path, "123456789012-0e2a1c34-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
        using (var store = LocalKeyValueStore.Open(folder, RunningEmulator.Arn))
            for (var i = 0; i < 5; i++)
                await store.PutAsync($"k{i}", "v");
        var log = Path.Combine(folder, WriteAheadLog.FileName);
        var bytes = await File.ReadAllBytesAsync(log);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(log, bytes);

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["exec", EmulatorAssemblyPath(), "--urls", "http://127.0.0.1:0", $"--Emulator:DataPath={data.Path}"])
            start.ArgumentList.Add(argument);
        using var emulator = Process.Start(start)!;
        var standardError = emulator.StandardError.ReadToEndAsync();
        _ = emulator.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await emulator.WaitForExitAsync(timeout.Token);

        emulator.ExitCode.ShouldBe(LocalStoreDamagedException.ExitCode);
        var line = (await standardError).Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem();
        line.ShouldContain($"'{log}'");
        line.ShouldContain("restore the store folder from a backup");
        (await File.ReadAllBytesAsync(log)).ShouldBe(bytes);
    }

    static string EmulatorAssemblyPath()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = framework.Parent!;
        var root = configuration.Parent!.Parent!.Parent!.Parent!;
        var path = Path.Combine(root.FullName, "src", "EdgeAllowlist.Emulator", "bin", configuration.Name, framework.Name, "EdgeAllowlist.Emulator.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("The emulator is not built; it is a project reference of this test project.", path);
    }
}
