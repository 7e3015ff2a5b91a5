using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Api.Tests.Store;

/// <summary>The embedded store under the real API: damage stops the start with one line and exit 65; a torn tail is cut with a warning.</summary>
public sealed class DamagedStoreTests : IDisposable
{
    const int Origins = 30;
    readonly string data = Directory.CreateTempSubdirectory("ea-damaged-").FullName;
    readonly string token = ApiTokenStore.NewToken();

    string LogPath => Path.Combine(data, "kvs", "wal.log");

    [Fact]
    public async Task A_flipped_byte_in_the_middle_of_the_log_stops_the_API_process_with_exit_65_and_one_line_naming_the_file()
    {
        await AddOriginsAsync();
        var bytes = await File.ReadAllBytesAsync(LogPath);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(LogPath, bytes);

        var (exitCode, standardError) = await ApiProcess.RunUntilExitAsync(
            new Dictionary<string, string> { ["DataDirectory"] = data, ["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = token }, TimeSpan.FromSeconds(60));

        exitCode.ShouldBe(LocalStoreDamagedException.ExitCode);
        var line = standardError.ShouldHaveSingleItem();
        line.ShouldContain($"'{LogPath}'");
        line.ShouldContain("restore the store folder from a backup");
        line.ShouldNotContain("   at ");
        (await File.ReadAllBytesAsync(LogPath)).ShouldBe(bytes);
    }

    [Fact]
    public async Task A_log_cut_inside_its_last_record_opens_with_every_whole_record_and_a_warning_with_the_byte_count()
    {
        await AddOriginsAsync();
        using (var log = new FileStream(LogPath, FileMode.Open))
            log.SetLength(log.Length - 7);

        var api = new RestartableApiHost(data, token);
        await api.InitializeAsync();
        try
        {
            using var admin = api.Admin();
            var listed = (await admin.GetJsonAsync("/v1/origins?limit=100"))["items"]!.AsArray().Select(o => o!["origin"]!.GetValue<string>()).ToList();
            // The last write recorded the last origin; its torn record goes, every record before it stays.
            listed.Count.ShouldBe(Origins - 1);
            listed.ShouldNotContain(Origin(Origins - 1));
            var warning = api.Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("torn write", StringComparison.Ordinal)).ShouldHaveSingleItem();
            warning.ShouldMatch(@"cut \d+ bytes");
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    async Task AddOriginsAsync()
    {
        var api = new RestartableApiHost(data, token);
        await api.InitializeAsync();
        using (var admin = api.Admin())
            for (var i = 0; i < Origins; i++)
                (await admin.PostJsonAsync("/v1/origins", new { origin = Origin(i) })).EnsureSuccessStatusCode();
        await api.DisposeAsync();
    }

    static string Origin(int i) => $"https://site{i:D2}.example.com";

    public void Dispose() => Directory.Delete(data, recursive: true);
}
