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
    public async Task A_log_cut_inside_its_last_record_opens_with_a_warning_and_the_lost_acknowledged_write_is_a_rollback()
    {
        await AddOriginsAsync();
        using (var log = new FileStream(LogPath, FileMode.Open))
            log.SetLength(log.Length - 7);

        var api = new RestartableApiHost(data, token);
        await api.StartAsync(waitUntilReady: false);
        try
        {
            // The store opens with every whole record and says what it cut ...
            using var anonymous = api.Client();
            var readiness = await anonymous.GetAsync("/readyz");
            for (var tries = 0; tries < 600 && !(await readiness.Content.ReadAsStringAsync()).Contains("rolled back", StringComparison.Ordinal); tries++)
            {
                await Task.Delay(100);
                readiness = await anonymous.GetAsync("/readyz");
            }
            var warning = api.Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("torn write", StringComparison.Ordinal)).ShouldHaveSingleItem();
            warning.ShouldMatch(@"cut \d+ bytes");
            // ... but the cut record was an acknowledged write (the last origin): the database knows a newer store, so it is a rollback, never served as current.
            readiness.StatusCode.ShouldBe(System.Net.HttpStatusCode.ServiceUnavailable);
            (await readiness.Content.ReadAsStringAsync()).ShouldContain("rolled back");
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
