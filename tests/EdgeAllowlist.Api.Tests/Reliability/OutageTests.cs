extern alias emulator;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Reliability;
using Xunit.Abstractions;
using emulator::EdgeAllowlist.Emulator;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// A dependency goes away and comes back: every answer in between is a 503 problem naming it, with
/// Retry-After (never a 500, never an empty body, never a misleading error type), readiness says
/// which one is missing, and the service recovers by itself, without a restart, once it is back.
/// A change is either applied, acknowledged and audited, or not answered 2xx.
/// </summary>
public sealed class OutageTests(ITestOutputHelper output)
{
    /// <summary>Generous bound for "recovers by itself"; the service is expected at the first request after the dependency is back (the figure goes to the output).</summary>
    static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_the_key_value_store_unavailable_writes_get_503_naming_the_store_and_the_service_recovers_when_it_returns()
    {
        var host = new EmulatorApiHost();
        await host.InitializeAsync();
        try
        {
            await KvsOutageAsync(host);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    async Task KvsOutageAsync(EmulatorApiHost host)
    {
        using var admin = host.Api.Admin();
        using var anonymous = host.Api.Client();
        using var direct = host.DirectClient();

        await host.SetFaultsAsync(new FaultSettings { ErrorRate = 1, ErrorStatusCodes = [503] });
        var refused = await admin.PostJsonAsync("/v1/origins", new { origin = "https://kvs-outage.example" });
        await ShouldBeOutageAsync(refused, "store");
        var ready = await anonymous.GetAsync("/readyz");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ready.Headers.RetryAfter.ShouldNotBeNull();
        (await ready.JsonAsync())["store"]!.GetValue<string>().ShouldBe("unreachable");

        await host.SetFaultsAsync(new FaultSettings());
        (await direct.GetAsync("o:https://kvs-outage.example")).ShouldBeNull();
        var (response, attempts, took) = await UntilNot503Async(() => admin.PostJsonAsync("/v1/origins", new { origin = "https://kvs-outage.example" }));
        output.WriteLine($"KVS back: first write succeeded after {attempts} attempt(s), {took.TotalMilliseconds:F0} ms");
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        (await direct.GetAsync("o:https://kvs-outage.example")).ShouldNotBeNull();
        (await anonymous.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await ShouldBeAuditedOnceAsync(admin, ["https://kvs-outage.example"]);
    }

    [Fact]
    public async Task With_the_key_value_store_stopped_connections_are_refused_writes_get_503_naming_the_store_and_the_service_recovers_when_it_starts_again()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var data = Directory.CreateTempSubdirectory("ea-rel-kvs-stopped-").FullName;
        var token = ApiSettings.NewAdminToken();
        using var store = ApiSettings.StoreClient(emulator.Address);
        try
        {
            await using var api = await ApiProcess.StartAsync(ApiSettings.For(emulator.Address, data, token));
            using var admin = api.Client(token);
            using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };
            (await admin.PostJsonAsync("/v1/origins", new { origin = "https://before.kvs-stopped.example" })).EnsureSuccessStatusCode();

            await emulator.StopAsync();
            var refused = await admin.PostJsonAsync("/v1/origins", new { origin = "https://while.kvs-stopped.example" });
            (await ShouldBeOutageAsync(refused, "store")).ShouldNotContain("Exception");
            var ready = await anonymous.GetAsync("/readyz");
            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            ready.Headers.RetryAfter.ShouldNotBeNull();
            (await ready.JsonAsync())["store"]!.GetValue<string>().ShouldBe("unreachable");

            await emulator.StartAgainAsync();
            var (response, attempts, took) = await UntilNot503Async(() => admin.PostJsonAsync("/v1/origins", new { origin = "https://while.kvs-stopped.example" }));
            output.WriteLine($"KVS started again: first write succeeded after {attempts} attempt(s), {took.TotalMilliseconds:F0} ms");
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            (await store.GetAsync("o:https://while.kvs-stopped.example")).ShouldNotBeNull();
            (await anonymous.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
            await ShouldBeAuditedOnceAsync(admin, ["https://before.kvs-stopped.example", "https://while.kvs-stopped.example"]);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task PostgreSQL_stopped_mid_load_gives_503_naming_the_database_never_500_and_every_acknowledged_change_is_in_the_store_and_audited()
    {
        using var server = PostgresServer.PrivatePostgres.Start();
        var host = new OwnPostgresApiHost(server.ConnectionString);
        await host.InitializeAsync();
        try
        {
            await DatabaseOutageAsync(server, host);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>
    /// The store takes a write and the database fails before it is recorded (here a trigger answers
    /// "disk full" for that one audit row): the next write meets the moved store by key and must not
    /// catch up around the lost one; the re-read audits it for its requester before anything else is acknowledged.
    /// </summary>
    [Fact]
    public async Task A_write_the_store_took_while_the_database_failed_is_audited_for_its_requester_before_the_next_write_is_acknowledged()
    {
        using var server = PostgresServer.PrivatePostgres.Start();
        var host = new OwnPostgresApiHost(server.ConnectionString);
        await host.InitializeAsync();
        try
        {
            using var admin = host.Admin();
            const string lost = "https://lost-to-the-database.example";
            await ExecuteAsync(server.ConnectionString, $"""
                CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'no room for the audit row' USING ERRCODE = '53100'; END $$;
                CREATE TRIGGER fail_once BEFORE INSERT ON audit_entries FOR EACH ROW WHEN (NEW.target = '{lost}') EXECUTE FUNCTION fail_once();
                """);

            await ShouldBeOutageAsync(await admin.PostJsonAsync("/v1/origins", new { origin = lost }), "database");
            var store = host.Service<IKeyValueStore>();
            (await store.GetAsync("o:" + lost)).ShouldNotBeNull();

            await ExecuteAsync(server.ConnectionString, "DROP TRIGGER fail_once ON audit_entries");
            (await admin.PostJsonAsync("/v1/origins", new { origin = "https://after-the-lost-one.example" })).StatusCode.ShouldBe(HttpStatusCode.Created);

            var entry = (await admin.GetJsonAsync($"/v1/audit?action=origin.add&target={Uri.EscapeDataString(lost)}"))["items"]!.AsArray().ShouldHaveSingleItem()!;
            entry["actor"]!.GetValue<string>().ShouldBe(BootstrapToken.Name);
            entry["detail"]!.GetValue<string>().ShouldContain(InvariantCheck.RecoveryDetailPrefix);
            await ShouldBeAuditedOnceAsync(admin, [lost, "https://after-the-lost-one.example"]);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    async Task DatabaseOutageAsync(PostgresServer.PrivatePostgres server, ApiHost host)
    {
        using var anonymous = host.Client();
        var store = host.Service<IKeyValueStore>();

        var answers = new System.Collections.Concurrent.ConcurrentBag<(string Origin, HttpResponseMessage Response)>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 3).Select(client => Task.Run(async () =>
        {
            using var admin = host.Admin();
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var origin = $"https://c{client}-{i}.pg-outage.example";
                answers.Add((origin, await admin.PostJsonAsync("/v1/origins", new { origin })));
                await Task.Delay(20);
            }
        })).ToList();

        await UntilAsync(() => answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created) >= 10);
        server.Stop();
        await UntilAsync(() => answers.Count(a => a.Response.StatusCode == HttpStatusCode.ServiceUnavailable) >= 10);
        var ready = await anonymous.GetAsync("/readyz");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        ready.Headers.RetryAfter.ShouldNotBeNull();
        (await ready.JsonAsync())["database"]!.GetValue<string>().ShouldBe("unreachable");
        server.StartAgain();
        var back = Stopwatch.StartNew();
        await UntilAsync(async () => (await anonymous.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK);
        output.WriteLine($"PostgreSQL back: ready again after {back.ElapsedMilliseconds} ms");
        // Keep writing until some writes after the restart have been acknowledged, then stop.
        var createdAtRestart = answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created);
        await UntilAsync(() => answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created) >= createdAtRestart + 5);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var statuses = answers.GroupBy(a => a.Response.StatusCode).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}")));
        statuses.Keys.ShouldBeSubsetOf([HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable]);
        foreach (var (_, response) in answers.Where(a => a.Response.StatusCode == HttpStatusCode.ServiceUnavailable))
            await ShouldBeOutageAsync(response, "database");
        using var check = host.Admin();
        var stored = await store.ListAllAsync();
        var acknowledged = answers.Where(a => a.Response.StatusCode == HttpStatusCode.Created).Select(a => a.Origin).ToList();
        acknowledged.ShouldAllBe(o => stored.ContainsKey("o:" + o));
        // A 503 may hide a change the store applied just before the database went: recovery audits it for its requester.
        await ShouldBeAuditedOnceAsync(check, [.. answers.Select(a => a.Origin).Where(o => stored.ContainsKey("o:" + o))]);
    }

    [Fact]
    public async Task A_full_store_folder_gives_503_naming_the_store_and_writes_resume_without_a_restart_once_there_is_room()
    {
        var data = Directory.CreateTempSubdirectory("ea-full-kvs-").FullName;
        var kvs = Path.Combine(data, "kvs");
        if (!Mount(kvs, "4m"))
        {
            Directory.Delete(data, recursive: true);
            return;
        }
        try
        {
            var host = new RestartableApiHost(data, ApiTokenStore.NewToken());
            await host.InitializeAsync();
            try
            {
                using var admin = host.Admin();
                using var anonymous = host.Client();
                var store = host.Service<IKeyValueStore>();
                (await admin.PostJsonAsync("/v1/origins", new { origin = "https://before.full-kvs.example" })).StatusCode.ShouldBe(HttpStatusCode.Created);

                var filler = Fill(kvs);
                // More than the last page of the log file can hold, so the append needs a page the disk does not have.
                var during = Enumerable.Range(0, 150).Select(i => $"https://d{i:D3}.during.full-kvs.example").ToList();
                var body = new { origins = during.Select(o => new { origin = o }) };
                var refused = await admin.PostJsonAsync("/v1/origins/bulk", body);
                (await ShouldBeOutageAsync(refused, "store")).ShouldContain("space");
                // A bulk change goes out in chunks of 50 keys: chunks before the one that met the full
                // disk are in the store and audited; the refused chunk and the ones after it are not.
                var landed = (await store.ListAllAsync()).Keys.Count(k => k.Contains("during.full-kvs"));
                landed.ShouldBeLessThan(during.Count);
                (landed % 50).ShouldBe(0);
                var ready = await anonymous.GetAsync("/readyz");
                ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
                (await ready.JsonAsync())["storeWritable"]!.GetValue<string>().ShouldBe("not writable");

                File.Delete(filler);
                var (response, attempts, took) = await UntilNot503Async(() => admin.PostJsonAsync("/v1/origins/bulk", body));
                output.WriteLine($"Room again: first write succeeded after {attempts} attempt(s), {took.TotalMilliseconds:F0} ms");
                response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                (await response.JsonAsync())["added"]!.GetValue<int>().ShouldBe(during.Count - landed);
                var stored = await store.ListAllAsync();
                during.ShouldAllBe(o => stored.ContainsKey("o:" + o));
                (await anonymous.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
                await ShouldBeAuditedOnceAsync(admin, ["https://before.full-kvs.example", .. during]);
            }
            finally
            {
                await host.DisposeAsync();
            }
        }
        finally
        {
            Unmount(kvs);
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task A_full_SQLite_disk_gives_503_naming_the_database_never_500_and_a_change_applied_meanwhile_is_audited_once_it_has_room()
    {
        var data = Directory.CreateTempSubdirectory("ea-full-db-").FullName;
        var kvs = Path.Combine(data, "kvs");
        // The database on a small disk of its own; the store's folder on a roomy one inside it.
        if (!Mount(data, "6m"))
        {
            Directory.Delete(data, recursive: true);
            return;
        }
        try
        {
            if (!Mount(kvs, "16m"))
                return;
            try
            {
                var host = new RestartableApiHost(data, ApiTokenStore.NewToken());
                await host.InitializeAsync();
                try
                {
                    await FullDatabaseAsync(host, data);
                }
                finally
                {
                    await host.DisposeAsync();
                }
            }
            finally
            {
                Unmount(kvs);
            }
        }
        finally
        {
            Unmount(data);
            Directory.Delete(data, recursive: true);
        }
    }

    async Task FullDatabaseAsync(ApiHost host, string data)
    {
        using var admin = host.Admin();
        using var anonymous = host.Client();
        var store = host.Service<IKeyValueStore>();
        var first = Enumerable.Range(0, 50).Select(i => $"https://a{i:D2}.full-db.example").ToList();
        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins = first.Select(o => new { origin = o }) })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var filler = Fill(data);
        var second = Enumerable.Range(0, 50).Select(i => $"https://b{i:D2}.full-db.example").ToList();
        var body = new { origins = second.Select(o => new { origin = o }) };
        var refused = await admin.PostJsonAsync("/v1/origins/bulk", body);
        (await ShouldBeOutageAsync(refused, "database")).ShouldNotContain("ConflictException");
        var ready = await anonymous.GetAsync("/readyz");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ready.JsonAsync())["database"]!.GetValue<string>().ShouldBe("not writable");

        File.Delete(filler);
        var (response, attempts, took) = await UntilNot503Async(() => admin.PostJsonAsync("/v1/origins/bulk", body));
        output.WriteLine($"Room again: the retried write succeeded after {attempts} attempt(s), {took.TotalMilliseconds:F0} ms");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var stored = await store.ListAllAsync();
        second.ShouldAllBe(o => stored.ContainsKey("o:" + o));
        (await anonymous.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await ShouldBeAuditedOnceAsync(admin, [.. first, .. second]);
    }

    /// <summary>A 503 problem body naming <paramref name="dependency"/> in its errors, with Retry-After; returns the body.</summary>
    static async Task<string> ShouldBeOutageAsync(HttpResponseMessage response, string dependency)
    {
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter.ShouldNotBeNull(problem.ToJsonString());
        problem.ErrorFields().ShouldContain(dependency, problem.ToJsonString());
        // What happened, not the 400's type and title (RFC 9110 §15.6.4).
        problem["type"]!.GetValue<string>().ShouldBe("https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4");
        problem["title"]!.GetValue<string>().ShouldBe($"The {dependency} is unavailable");
        return problem.ToJsonString();
    }

    /// <summary>Every origin has exactly one origin.add entry for the admin and none of them shows as an external change.</summary>
    static async Task ShouldBeAuditedOnceAsync(HttpClient admin, IReadOnlyList<string> origins)
    {
        var export = await admin.GetJsonAsync("/v1/audit?action=origin.add&limit=1000");
        var targets = export["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>()).ToList();
        foreach (var origin in origins)
            targets.Count(t => t == origin).ShouldBe(1, origin);
        (await admin.GetJsonAsync("/v1/audit?action=kvs.external-change"))["items"]!.AsArray().ShouldBeEmpty();
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    static async Task<(HttpResponseMessage Response, int Attempts, TimeSpan Took)> UntilNot503Async(Func<Task<HttpResponseMessage>> send)
    {
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || clock.Elapsed > RecoveryBound)
                return (response, attempt, clock.Elapsed);
            await Task.Delay(100);
        }
    }

    static Task UntilAsync(Func<bool> condition) => UntilAsync(() => Task.FromResult(condition()));

    static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > RecoveryBound)
                throw new TimeoutException($"Still waiting after {RecoveryBound.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    bool Mount(string directory, string size)
    {
        Directory.CreateDirectory(directory);
        var (code, error) = Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", directory);
        if (code != 0)
            output.WriteLine($"Skipped: could not mount a tmpfs at {directory} ({error.Trim()}); this test needs root.");
        return code == 0;
    }

    static void Unmount(string directory) => Run("umount", "-l", directory);

    /// <summary>Fills the disk under <paramref name="directory"/> to the last byte; returns the file to delete to make room again.</summary>
    static string Fill(string directory)
    {
        var path = Path.Combine(directory, "filler");
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true)
                file.Write(block);
        }
        catch (IOException)
        {
        }
        for (var size = 2048; size > 0; size /= 2)
        {
            try
            {
                file.Write(block, 0, size);
            }
            catch (IOException)
            {
            }
        }
        return path;
    }

    static (int Code, string Error) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
