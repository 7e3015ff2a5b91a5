using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;

namespace EdgeAllowlist.Api.Tests.Database;

/// <summary>The pool across a PostgreSQL restart, through the API as a real process.</summary>
public sealed class PostgresDatabaseTests : IDisposable
{
    readonly string data = Directory.CreateTempSubdirectory("ea-pg-pool-").FullName;
    readonly string token = ApiSettings.NewAdminToken();

    [Fact]
    public async Task After_PostgreSQL_restarts_the_first_read_and_the_first_write_succeed_although_the_pool_holds_connections_from_before()
    {
        using var server = PostgresServer.PrivatePostgres.Start();
        var settings = ApiSettings.Embedded(data, token);
        settings["Database:ConnectionString"] = server.ConnectionString;
        await using var api = await ApiProcess.StartAsync(settings);
        using var admin = api.Client(token);
        // Several at once, so the pool keeps several connections, all dead once the server restarts.
        var before = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => admin.PostJsonAsync("/v1/origins", new { origin = $"https://b{i}.pg-pool.example" })));
        before.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created);

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

    public void Dispose() => Directory.Delete(data, recursive: true);
}
