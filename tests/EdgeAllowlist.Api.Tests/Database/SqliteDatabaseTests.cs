using EdgeAllowlist.Api.Infrastructure.Database;
using Microsoft.Data.Sqlite;

namespace EdgeAllowlist.Api.Tests.Database;

public sealed class SqliteDatabaseTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("ea-sqlite-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task Every_connection_has_WAL_normal_sync_and_a_busy_timeout_set_once_per_pooled_native_connection()
    {
        var database = new SqliteDatabase(Path.Combine(folder, "pragmas.db"));
        SQLitePCL.sqlite3 first;
        await using (var connection = await database.OpenAsync())
        {
            first = ((SqliteConnection)connection).Handle!;
            (await connection.ScalarAsync("PRAGMA journal_mode"))!.ShouldBe("wal");
            (await connection.ScalarAsync("PRAGMA synchronous"))!.ShouldBe(1L);
            (await connection.ScalarAsync("PRAGMA busy_timeout"))!.ShouldBe(30000L);
            // Changed behind the service's back: if setup ran on every open, the next open would undo it.
            await connection.ExecuteAsync("PRAGMA synchronous=FULL");
        }

        await using var reused = await database.OpenAsync();

        ((SqliteConnection)reused).Handle.ShouldBeSameAs(first);
        (await reused.ScalarAsync("PRAGMA synchronous"))!.ShouldBe(2L);
    }

    [Fact]
    public async Task A_second_native_connection_opened_while_the_first_is_in_use_is_set_up_too()
    {
        var database = new SqliteDatabase(Path.Combine(folder, "two.db"));
        await using var first = await database.OpenAsync();
        await using var second = await database.OpenAsync();

        ((SqliteConnection)second).Handle.ShouldNotBeSameAs(((SqliteConnection)first).Handle);
        (await second.ScalarAsync("PRAGMA synchronous"))!.ShouldBe(1L);
        (await second.ScalarAsync("PRAGMA busy_timeout"))!.ShouldBe(30000L);
    }
}
