extern alias emulator;
using System.Globalization;
using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using emulator::EdgeAllowlist.Emulator;
using Microsoft.Data.Sqlite;

namespace EdgeAllowlist.Api.Tests.Writer;

/// <summary>
/// The writer waits on the store with no SQLite write transaction open: SQLite locks the whole file
/// for a writer, so a transaction held across a slow store call stalls every other write (an
/// idempotency lease renewal, a token's audit entry) until the store answers.
/// </summary>
public sealed class SlowStoreTests(EmulatorApiHost host) : IClassFixture<EmulatorApiHost>
{
    [Fact]
    public async Task While_a_write_waits_on_a_slow_store_the_database_takes_other_writes()
    {
        using var admin = host.Api.Admin();
        await host.SetFaultsAsync(new FaultSettings { LatencyMilliseconds = 3000 });
        Task<HttpResponseMessage> slow;
        var checks = 0;
        try
        {
            slow = admin.PostJsonAsync("/v1/origins", new { origin = "https://slow-store.example" });
            await UntilIntentRecordedAsync();
            while (!slow.IsCompleted)
            {
                await TakeWriteLockAsync();
                checks++;
                await Task.Delay(100);
            }
        }
        finally
        {
            await host.SetFaultsAsync(new FaultSettings());
        }

        var response = await slow;
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        checks.ShouldBeGreaterThan(3, "The write should still have been waiting on the store for a while.");
    }

    string DatabaseFile => Path.Combine(host.Api.DataDirectory, "edge-allowlist.db");

    /// <summary>BEGIN IMMEDIATE on a connection of our own: fails with SQLITE_BUSY within half a second if another writer holds the file.</summary>
    async Task TakeWriteLockAsync()
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = false, DefaultTimeout = 1 }.ToString());
        await connection.OpenAsync();
        await using (var timeout = connection.CreateCommand())
        {
            timeout.CommandText = "PRAGMA busy_timeout=500";
            await timeout.ExecuteNonQueryAsync();
        }
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
        await using var write = connection.CreateCommand();
        // The first write of a deferred transaction needs the file's write lock, like any other request's write.
        write.CommandText = "UPDATE kvs_state SET updated_at = updated_at";
        await write.ExecuteNonQueryAsync();
        await transaction.RollbackAsync();
    }

    /// <summary>Until the change is in the journal: it is recorded just before the store call.</summary>
    async Task UntilIntentRecordedAsync()
    {
        for (var tries = 0; ; tries++)
        {
            await using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = false }.ToString()))
            {
                await connection.OpenAsync();
                await using var count = connection.CreateCommand();
                count.CommandText = "SELECT COUNT(*) FROM write_intents";
                if (Convert.ToInt64(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture) > 0)
                    return;
            }
            tries.ShouldBeLessThan(1000, "The change never reached the journal.");
            await Task.Delay(10);
        }
    }
}
