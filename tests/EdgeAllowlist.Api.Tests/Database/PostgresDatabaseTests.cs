using System.Net;
using Npgsql;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Database;

/// <summary>The pool across a PostgreSQL restart and lost sessions, through the API as a real process.</summary>
public sealed class PostgresDatabaseTests : IDisposable
{
    readonly string data = Directory.CreateTempSubdirectory("ea-pg-pool-").FullName;
    readonly string token = ApiSettings.NewAdminToken();

    [Fact]
    public async Task After_PostgreSQL_restarts_the_first_read_and_the_first_write_succeed_although_the_pool_holds_connections_from_before()
    {
        using var server = PostgresServer.PrivatePostgres.Start();
        await using var api = await StartWithFullPoolAsync(server);
        using var admin = api.Client(token);

        server.Stop();
        server.StartAgain();

        // Nothing touches the database in between (no /readyz poll): the first requests meet the old pool.
        var read = await admin.GetAsync("/v1/origins?limit=100");
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        var write = await admin.PostJsonAsync("/v1/origins", new { origin = "https://after.pg-pool.example" });
        write.StatusCode.ShouldBe(HttpStatusCode.Created, await write.Content.ReadAsStringAsync());
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => admin.GetAsync("/v1/origins?limit=100")));
        concurrent.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_restart_faster_than_the_quiet_check_is_caught_by_the_watch_so_the_first_requests_after_it_succeed()
    {
        using var server = PostgresServer.PrivatePostgres.Start();
        // Never checked for quiet: only the watch connection can keep the dead ones out.
        await using var api = await StartWithFullPoolAsync(server, poolCheckAfterQuiet: "1.00:00:00");
        using var admin = api.Client(token);

        server.Stop();
        server.StartAgain();

        await EightConcurrentWritesSucceedAsync(admin, "after-watch");
        var read = await admin.GetAsync("/v1/origins?limit=100");
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Sessions_lost_while_the_server_stays_up_are_replaced_by_the_check_on_a_quiet_pool()
    {
        using var server = PostgresServer.PrivatePostgres.Start();
        // Every connection checked (a quiet pool of zero), so the check is what is under test, not the timing.
        await using var api = await StartWithFullPoolAsync(server, poolCheckAfterQuiet: "00:00:00");
        using var admin = api.Client(token);

        // Every pooled session ends as a lost network path would end it, but the watch's own stays, so it sees nothing.
        await using (var dba = new NpgsqlConnection(server.ConnectionString))
        {
            await dba.OpenAsync();
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> 'edge_allowlist_pool_watch'", dba);
            ((long)(await terminate.ExecuteScalarAsync())!).ShouldBeGreaterThan(0);
        }

        await EightConcurrentWritesSucceedAsync(admin, "after-cut");
    }

    /// <summary>The API on <paramref name="server"/>, after eight writes at once, so the pool keeps several connections (all dead once the server restarts).</summary>
    async Task<ApiProcess> StartWithFullPoolAsync(PostgresServer.PrivatePostgres server, string? poolCheckAfterQuiet = null)
    {
        var settings = ApiSettings.Embedded(data, token);
        settings["Database:ConnectionString"] = server.ConnectionString;
        if (poolCheckAfterQuiet is not null)
            settings["Database:PoolCheckAfterQuiet"] = poolCheckAfterQuiet;
        var api = await ApiProcess.StartAsync(settings);
        try
        {
            using var admin = api.Client(token);
            await EightConcurrentWritesSucceedAsync(admin, "before");
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    static async Task EightConcurrentWritesSucceedAsync(HttpClient admin, string label)
    {
        var writes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => admin.PostJsonAsync("/v1/origins", new { origin = $"https://{label}{i}.pg-pool.example" })));
        foreach (var write in writes)
            write.StatusCode.ShouldBe(HttpStatusCode.Created, await write.Content.ReadAsStringAsync());
    }

    public void Dispose() => Directory.Delete(data, recursive: true);
}
