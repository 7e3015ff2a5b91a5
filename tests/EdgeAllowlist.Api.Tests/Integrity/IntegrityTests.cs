using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Infrastructure.Integrity;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Integrity;

/// <summary>A damaged database mirror or audit chain is found at start (and by the periodic check), shown in status, never served.</summary>
public sealed class IntegrityTests : IDisposable
{
    const string Kept = "https://kept.integrity.example";
    const string Edited = "https://edited.integrity.example";
    const string Phantom = "https://phantom.integrity.example";
    readonly string data = Directory.CreateTempSubdirectory("ea-integrity-").FullName;
    readonly string token = ApiTokenStore.NewToken();

    SqliteDatabase Database => new(Path.Combine(data, "edge-allowlist.db"));

    [Fact]
    public async Task A_phantom_and_a_missing_mirror_row_are_found_at_start_audited_shown_as_drifted_and_never_served()
    {
        await RunAsync(async admin =>
        {
            foreach (var origin in (string[])[Kept, Edited])
                (await admin.PostJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();
        });
        await using (var connection = await Database.OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO kvs_snapshot (kvs_key, kvs_value) VALUES (@k, '{}')", null, default, ("k", "o:" + Phantom));
            await connection.ExecuteAsync("DELETE FROM kvs_snapshot WHERE kvs_key = @k", null, default, ("k", "o:" + Edited));
        }

        await RunAsync(async admin =>
        {
            var status = await admin.GetJsonAsync("/v1/status");
            status["drift"]!.GetValue<string>().ShouldBe("drifted");
            status["driftedKeys"]!.AsArray().Select(k => k!.GetValue<string>()).ShouldBe(["o:" + Edited, "o:" + Phantom]);
            (await Origins(admin)).ShouldBe([Edited, Kept]);
            (await admin.GetAsync($"/v1/origins/{Phantom}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            var audited = (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.MirrorDrift}"))["items"]!.AsArray();
            audited.Select(e => e!["target"]!.GetValue<string>()).Order().ShouldBe([Edited, Phantom]);
            audited.ShouldAllBe(e => e!["outcome"]!.GetValue<string>() == "detected");

            (await admin.DeleteAsync($"/v1/origins/{Edited}?force=true")).IsSuccessStatusCode.ShouldBeTrue();
            (await Origins(admin)).ShouldBe([Kept]);
        });
    }

    [Fact]
    public async Task The_periodic_check_finds_a_mirror_row_edited_while_running_and_the_writer_stops_serving_it()
    {
        await RunAsync(async (admin, host) =>
        {
            (await admin.PostJsonAsync("/v1/origins", new { origin = Kept })).EnsureSuccessStatusCode();
            (await admin.GetJsonAsync("/v1/status"))["drift"]!.GetValue<string>().ShouldBe("in-sync");
            await using (var connection = await host.Service<IDatabase>().OpenAsync())
                await connection.ExecuteAsync("UPDATE kvs_snapshot SET kvs_value = @v WHERE kvs_key = @k", null, default, ("v", "{\"e\":1}"), ("k", "o:" + Kept));
            await using (var connection = await host.Service<IDatabase>().OpenAsync())
                await connection.ExecuteAsync("INSERT INTO kvs_snapshot (kvs_key, kvs_value) VALUES (@k, '{}')", null, default, ("k", "o:" + Phantom));

            var report = await host.Service<IntegrityMonitor>().CheckAsync(writerRunning: true, default);

            report.Mirror.ShouldBe(IntegrityReport.Drifted);
            report.DriftedKeys.ShouldBe(["o:" + Kept, "o:" + Phantom]);
            (await Origins(admin)).ShouldBe([Kept]);
            (await admin.GetJsonAsync($"/v1/origins/{Kept}"))["expiresAt"].ShouldBeNull();
            (await host.Service<IntegrityMonitor>().CheckAsync(writerRunning: true, default)).Mirror.ShouldBe(IntegrityReport.InSync);
            (await admin.GetJsonAsync("/v1/status"))["drift"]!.GetValue<string>().ShouldBe("in-sync");
        });
    }

    [Fact]
    public async Task The_audit_chain_is_verified_from_the_last_checked_entry_at_start_and_a_break_is_flagged()
    {
        long verifiedThrough = 0;
        await RunAsync(async admin =>
        {
            (await admin.PostJsonAsync("/v1/origins", new { origin = Kept })).EnsureSuccessStatusCode();
            verifiedThrough = (await admin.GetJsonAsync("/v1/status"))["auditVerifiedThrough"]!.GetValue<long>();
        });
        // A clean restart verifies the entries added since and moves the checkpoint to the head.
        long head = 0;
        await RunAsync(async admin =>
        {
            var status = await VerifiedStatusAsync(admin);
            status["auditChain"]!.GetValue<string>().ShouldBe("valid");
            head = (await admin.GetJsonAsync("/v1/audit?limit=1"))["items"]!.AsArray().Single()!["seq"]!.GetValue<long>();
            status["auditVerifiedThrough"]!.GetValue<long>().ShouldBeGreaterThan(verifiedThrough);
            (await admin.PostJsonAsync("/v1/origins", new { origin = Edited })).EnsureSuccessStatusCode();
        });
        // Someone rewrites an entry made after the last verified one, and one verified long ago
        // (which the old start check, reading only entries after its checkpoint, never saw).
        await using (var connection = await Database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE audit_entries SET actor = 'mallory' WHERE target = @t AND action = 'origin.add'", null, default, ("t", Edited));
            await connection.ExecuteAsync("UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1");
        }

        await RunAsync(async admin =>
        {
            var status = await VerifiedStatusAsync(admin);
            status["auditChain"]!.GetValue<string>().ShouldBe("broken");
            status["auditFirstInvalidSeq"]!.GetValue<long>().ShouldBe(1);
            status["auditProblems"]!.GetValue<int>().ShouldBe(2);
            var verified = await admin.GetJsonAsync("/v1/audit/verify");
            verified["problems"]!.AsArray().Select(p => p!["seq"]!.GetValue<long>()).Last().ShouldBeGreaterThan(head);
        });
    }

    /// <summary>Status once the start's full verification (run in the background) has ended.</summary>
    static async Task<JsonNode> VerifiedStatusAsync(HttpClient admin)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            var status = await admin.GetJsonAsync("/v1/status");
            if (status["auditChain"]!.GetValue<string>() != IntegrityReport.Unchecked || DateTime.UtcNow > deadline)
                return status;
        }
    }

    static async Task<List<string>> Origins(HttpClient admin) =>
        [.. (await admin.GetJsonAsync("/v1/origins?limit=100"))["items"]!.AsArray().Select(o => o!["origin"]!.GetValue<string>()).Order(StringComparer.Ordinal)];

    Task RunAsync(Func<HttpClient, Task> run) => RunAsync((admin, _) => run(admin));

    async Task RunAsync(Func<HttpClient, ApiHost, Task> run)
    {
        var host = new RestartableApiHost(data, token);
        await host.InitializeAsync();
        try
        {
            using var admin = host.Admin();
            await run(admin, host);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(data, recursive: true);
        File.Delete(AuditOptions.KeyFileFor(data));
    }
}
