using System.Net;
using System.Text;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;
using Microsoft.Data.Sqlite;

namespace EdgeAllowlist.Api.Tests.Database;

/// <summary>
/// A damaged SQLite file is found, not served: at start one line on standard error and exit 65 (the
/// API as a real process); while running, /readyz turns 503 with the database "damaged".
/// </summary>
public sealed class SqliteDamageTests(SqliteDamageTests.WrittenDatabase written) : IClassFixture<SqliteDamageTests.WrittenDatabase>, IDisposable
{
    readonly string data = Directory.CreateTempSubdirectory("ea-sqlite-damage-").FullName;
    readonly string token = written.Token;

    string DatabasePath => Path.Combine(data, "edge-allowlist.db");

    /// <summary>Header bytes SQLite refuses (16: page size, 21: payload fraction) or lets pass (18: write version, read-only; 44: schema format; 59: encoding; 80: reserved).</summary>
    public static TheoryData<string, int, byte> Flips => new()
    {
        { "header", 16, 0x01 },
        { "header", 18, 0x80 },
        { "header", 21, 0x01 },
        { "header", 44, 0x01 },
        { "header", 57, 0x01 },
        { "header", 80, 0x01 },
        { "schema", -1, 0x01 },
    };

    [Theory]
    [MemberData(nameof(Flips))]
    public async Task A_flipped_byte_stops_the_API_process_with_exit_65_and_one_line_naming_the_file(string where, int offset, byte mask)
    {
        await CreateDatabaseAsync();
        var bytes = await File.ReadAllBytesAsync(DatabasePath);
        // The schema text may also be left in a page's free space by an earlier split: every copy is flipped, the live one among them.
        int[] flipped = offset >= 0 ? [offset] : [.. IndexesOf(bytes, "CREATE TABLE api_tokens").Select(i => i + "CREATE TABLE ".Length)];
        foreach (var at in flipped)
            bytes[at] ^= mask;
        await File.WriteAllBytesAsync(DatabasePath, bytes);

        var (exitCode, standardError) = await ApiProcess.RunUntilExitAsync(
            new Dictionary<string, string> { ["DataDirectory"] = data, ["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = token }, TimeSpan.FromSeconds(60));

        exitCode.ShouldBe(65, $"{where} bytes {string.Join(", ", flipped)}: {string.Join('\n', standardError)}");
        var line = standardError.ShouldHaveSingleItem();
        line.ShouldStartWith($"The SQLite database {DatabasePath} is damaged (");
        line.ShouldContain("restore it from a backup");
    }

    [Fact]
    public async Task A_sound_file_starts_after_the_check()
    {
        await CreateDatabaseAsync();
        await using var api = await ApiProcess.StartAsync(new Dictionary<string, string> { ["DataDirectory"] = data, ["EDGE_ALLOWLIST_BOOTSTRAP_TOKEN"] = token });
        using var admin = api.Client(token);
        (await admin.GetJsonAsync("/v1/origins"))["items"]!.AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_header_damaged_while_running_turns_readyz_503_naming_the_database_damaged()
    {
        var host = new RestartableApiHost(data, token);
        await host.InitializeAsync();
        try
        {
            using var anonymous = host.Client();
            (await anonymous.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
            await using (var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                file.Position = 21;
                file.WriteByte(65);
            }

            var ready = await anonymous.GetAsync("/readyz");
            var body = await ready.JsonAsync();
            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, body.ToJsonString());
            body["database"]!.GetValue<string>().ShouldBe("damaged");
            body["problems"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldContain(p => p.Contains("payload fractions 65/32/32", StringComparison.Ordinal));
            // Damage found stays found: putting the byte back does not make the file trustworthy again.
            await using (var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            {
                file.Position = 21;
                file.WriteByte(64);
            }
            (await anonymous.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>A copy of <see cref="WrittenDatabase"/>'s data folder (and its audit key) in this test's own folder.</summary>
    Task CreateDatabaseAsync()
    {
        written.CopyTo(data);
        File.Exists(DatabasePath + "-wal").ShouldBeFalse();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A database the service wrote (three origins), checkpointed and closed, so every byte is in the main file:
    /// written once for the class (a service start and stop each), copied by each test that damages or starts on it.
    /// </summary>
    public sealed class WrittenDatabase : IAsyncLifetime
    {
        readonly string folder = Directory.CreateTempSubdirectory("ea-sqlite-written-").FullName;

        public string Token { get; } = ApiTokenStore.NewToken();

        public async Task InitializeAsync()
        {
            var host = new RestartableApiHost(folder, Token);
            await host.InitializeAsync();
            using (var admin = host.Admin())
                for (var i = 0; i < 3; i++)
                    (await admin.PostJsonAsync("/v1/origins", new { origin = $"https://s{i}.sqlite-damage.example" })).EnsureSuccessStatusCode();
            await host.DisposeAsync();
            SqliteConnection.ClearAllPools();
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "edge-allowlist.db")}");
            await connection.OpenAsync();
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                await command.ExecuteNonQueryAsync();
            }
            await connection.CloseAsync();
            SqliteConnection.ClearAllPools();
        }

        /// <summary>Everything the service keeps in its data folder (the database and the local store) and the audit key beside it.</summary>
        public void CopyTo(string data)
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            {
                var copy = Path.Combine(data, Path.GetRelativePath(folder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(file, copy);
            }
            File.Copy(Infrastructure.Audit.AuditOptions.KeyFileFor(folder), Infrastructure.Audit.AuditOptions.KeyFileFor(data));
        }

        public Task DisposeAsync()
        {
            Directory.Delete(folder, recursive: true);
            File.Delete(Infrastructure.Audit.AuditOptions.KeyFileFor(folder));
            return Task.CompletedTask;
        }
    }

    static List<int> IndexesOf(byte[] bytes, string text)
    {
        var pattern = Encoding.ASCII.GetBytes(text);
        var found = new List<int>();
        var from = 0;
        while (bytes.AsSpan(from).IndexOf(pattern) is var at and >= 0)
        {
            found.Add(from + at);
            from += at + 1;
        }
        found.ShouldNotBeEmpty(text);
        return found;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
        File.Delete(Infrastructure.Audit.AuditOptions.KeyFileFor(data));
    }
}
