using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Security;

/// <summary>
/// The data folder the service creates, the SQLite database with its -wal and -shm files, and every
/// file of the embedded store are readable by the service's user only, under the usual umask 022.
/// </summary>
public sealed class FileModeTests : IAsyncLifetime
{
    const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    readonly string parent = Directory.CreateTempSubdirectory("ea-modes-").FullName;
    RestartableApiHost host = null!;

    string DataDirectory => Path.Combine(parent, "data");

    public async Task InitializeAsync()
    {
        host = new RestartableApiHost(DataDirectory, ApiTokenStore.NewToken());
        await host.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(parent, recursive: true);
    }

    [Fact]
    public async Task Database_and_store_files_are_created_0600_in_folders_created_0700()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://modes.example.com" })).EnsureSuccessStatusCode();

        File.GetUnixFileMode(DataDirectory).ShouldBe(PrivateFolder);
        File.GetUnixFileMode(Path.Combine(DataDirectory, "kvs")).ShouldBe(PrivateFolder);
        var database = Path.Combine(DataDirectory, "edge-allowlist.db");
        foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            File.GetUnixFileMode(file).ShouldBe(Private, file);
        var storeFiles = Directory.GetFiles(Path.Combine(DataDirectory, "kvs"));
        storeFiles.Length.ShouldBeGreaterThanOrEqualTo(2);
        foreach (var file in storeFiles)
            File.GetUnixFileMode(file).ShouldBe(Private, file);
    }
}
