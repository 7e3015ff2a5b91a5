extern alias emulator;
using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Api.Tests.Secrets;
using EdgeAllowlist.Reliability;
using EdgeAllowlist.Store;
using EdgeAllowlist.Testing;
using emulator::EdgeAllowlist.Emulator;
using Npgsql;

namespace EdgeAllowlist.Api.Tests.Reliability;

/// <summary>
/// The store is the truth, through real processes: a mirror row edited in PostgreSQL is never served
/// by either instance, a rolled-back store (a wal.log cut at a record boundary, a deleted or emptied
/// one) is refused rather than served or audited as someone else's change, reads follow an edit
/// made directly in the store without any write through the service, and writes after an external
/// edit stay cheap and are not starved by an editor faster than a listing.
/// </summary>
public sealed class StoreTruthTests : IDisposable
{
    const string Real = "https://real.store-truth.example";
    const string Phantom = "https://phantom.store-truth.example";
    readonly List<string> folders = [];
    readonly string token = ApiSettings.NewAdminToken();

    string NewFolder()
    {
        var folder = Directory.CreateTempSubdirectory("ea-store-truth-").FullName;
        folders.Add(folder);
        return folder;
    }

    [Fact]
    public async Task A_mirror_row_edited_in_PostgreSQL_is_never_served_by_the_other_instance_is_drift_in_its_status_and_audited_once()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var postgres = PostgresServer.CreateDatabase();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Dictionary<string, string> Settings() => new(ApiSettings.For(emulator.Address, NewFolder(), token, postgres)) { ["Mirror:Key"] = key };
        await using var first = await ApiProcess.StartAsync(Settings());
        await using var second = await ApiProcess.StartAsync(Settings());
        using var one = first.Client(token);
        using var two = second.Client(token);
        using var store = ApiSettings.StoreClient(emulator.Address);
        (await one.PostJsonAsync("/v1/origins", new { origin = Real })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await two.GetAsync($"/v1/origins/{Real}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // A phantom inserted, a real origin deleted, the ETag left alone; then the other instance writes, so the mirror moves.
        await using (var connection = new NpgsqlConnection(postgres))
        {
            await connection.OpenAsync();
            await using var edit = new NpgsqlCommand($"INSERT INTO kvs_snapshot (kvs_key, kvs_value) VALUES ('o:{Phantom}', '{{}}'); DELETE FROM kvs_snapshot WHERE kvs_key = 'o:{Real}'", connection);
            await edit.ExecuteNonQueryAsync();
        }
        (await one.PostJsonAsync("/v1/origins", new { origin = "https://moves.store-truth.example" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await two.GetAsync($"/v1/origins/{Phantom}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await two.GetAsync($"/v1/origins/{Real}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var status = await two.GetJsonAsync("/v1/status");
        status["drift"]!.GetValue<string>().ShouldBe("drifted");
        status["driftedKeys"]!.AsArray().Select(k => k!.GetValue<string>()).ShouldBe(["o:" + Phantom, "o:" + Real]);
        (await two.PostJsonAsync("/v1/origins", new { origin = Phantom })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await store.GetAsync("o:" + Phantom)).ShouldNotBeNull();
        // Forced: deleting a live origin flips the built-in browser expectations for it.
        (await two.DeleteAsync($"/v1/origins/{Real}?force=true")).IsSuccessStatusCode.ShouldBeTrue();
        (await store.GetAsync("o:" + Real)).ShouldBeNull();
        (await one.GetAsync($"/v1/origins/{Real}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var drift = (await one.GetJsonAsync($"/v1/audit?action={AuditActions.MirrorDrift}"))["items"]!.AsArray();
        drift.Select(e => e!["target"]!.GetValue<string>()).Order(StringComparer.Ordinal).ShouldBe([Phantom, Real]);
        (await one.GetJsonAsync($"/v1/audit?action={AuditActions.ExternalChange}"))["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task An_embedded_store_whose_wal_log_is_cut_at_a_record_boundary_is_a_rollback_until_the_operator_reapplies_the_acknowledged_state()
    {
        var data = NewFolder();
        var settings = ApiSettings.Embedded(data, token);
        var origins = Enumerable.Range(0, 100).Select(i => $"https://o{i:D3}.rollback.example").ToList();
        await using (var api = await ApiProcess.StartAsync(settings))
        {
            using var admin = api.Client(token);
            foreach (var origin in origins)
                (await admin.PostJsonAsync("/v1/origins", new { origin })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        // Record 1 is the default cfg; keep it and the first 37 origins.
        CutAfterRecords(Path.Combine(data, "kvs", "wal.log"), 38);

        await using (var api = ApiProcess.Start(settings))
        {
            using var admin = api.Client(token);
            var ready = await UntilAnsweredAsync(admin, "/readyz");
            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            var readiness = await ready.JsonAsync();
            readiness["writer"]!.GetValue<string>().ShouldBe("store rolled back");
            readiness["problems"]!.AsArray().ShouldContain(p => p!.GetValue<string>().Contains("63 acknowledged key change(s) are missing"));
            var read = await (await admin.GetAsync("/v1/origins")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
            read["missingChanges"]!.GetValue<int>().ShouldBe(63);
            read["detail"]!.GetValue<string>().ShouldContain("accept-store-rollback");
            await (await admin.PostJsonAsync("/v1/origins", new { origin = "https://new.rollback.example" })).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
            (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.ExternalChange}"))["items"]!.AsArray().ShouldBeEmpty();
        }

        var run = await ApiProcess.RunCommandAsync(settings, ["admin", "accept-store-rollback", "--reapply"], TimeSpan.FromSeconds(60));
        run.ExitCode.ShouldBe(0, run.Error);

        await using (var api = await ApiProcess.StartAsync(settings))
        {
            using var admin = api.Client(token);
            (await admin.GetJsonAsync("/v1/origins?limit=500"))["items"]!.AsArray().Select(o => o!["origin"]!.GetValue<string>()).Order(StringComparer.Ordinal).ShouldBe(origins);
            var reapplied = await AuditAsync(admin, AuditActions.RollbackReapply);
            reapplied.Count.ShouldBe(63);
            reapplied.ShouldAllBe(e => e!["actor"]!.GetValue<string>() == "local-admin");
            (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.ExternalChange}"))["items"]!.AsArray().ShouldBeEmpty();
            (await admin.PostJsonAsync("/v1/origins", new { origin = "https://new.rollback.example" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
    }

    [Fact]
    public async Task An_embedded_store_whose_wal_log_is_deleted_is_a_rollback_until_the_operator_accepts_the_loss_audited_as_theirs()
    {
        var data = NewFolder();
        var settings = ApiSettings.Embedded(data, token);
        await using (var api = await ApiProcess.StartAsync(settings))
        {
            using var admin = api.Client(token);
            (await admin.PostJsonAsync("/v1/origins", new { origin = Real })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        File.Delete(Path.Combine(data, "kvs", "wal.log"));

        await using (var api = ApiProcess.Start(settings))
        {
            using var admin = api.Client(token);
            (await UntilAnsweredAsync(admin, "/readyz")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            // The default cfg and the origin: both acknowledged, both gone.
            (await (await admin.GetAsync($"/v1/origins/{Real}")).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable))["missingChanges"]!.GetValue<int>().ShouldBe(2);
        }

        (await ApiProcess.RunCommandAsync(settings, ["admin", "accept-store-rollback"], TimeSpan.FromSeconds(60))).ExitCode.ShouldBe(1);
        var run = await ApiProcess.RunCommandAsync(settings, ["admin", "accept-store-rollback", "--accept-loss"], TimeSpan.FromSeconds(60));
        run.ExitCode.ShouldBe(0, run.Error);

        await using (var api = await ApiProcess.StartAsync(settings))
        {
            using var admin = api.Client(token);
            (await admin.GetAsync($"/v1/origins/{Real}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            var accepted = await AuditAsync(admin, AuditActions.RollbackAccept);
            accepted.Select(e => e!["target"]!.GetValue<string>()).Order(StringComparer.Ordinal).ShouldBe(["cfg", Real]);
            accepted.ShouldAllBe(e => e!["actor"]!.GetValue<string>() == "local-admin");
            (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.ExternalChange}"))["items"]!.AsArray().ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task A_KVS_back_at_an_earlier_ETag_or_emptied_is_a_rollback_for_the_running_instance_and_restoring_the_store_resumes_service_by_itself()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        // Polled often: each of the three changes below is found by the poll, and the test waits for it three times.
        var settings = new Dictionary<string, string>(ApiSettings.For(emulator.Address, NewFolder(), token)) { ["Writer:StorePollInterval"] = "00:00:00.200" };
        await using var api = await ApiProcess.StartAsync(settings);
        using var admin = api.Client(token);
        var origins = Enumerable.Range(0, 40).Select(i => $"https://o{i:D2}.kvs-rollback.example").ToList();
        foreach (var origin in origins)
            (await admin.PostJsonAsync("/v1/origins", new { origin })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var wal = Path.Combine(emulator.StoreFolder, "wal.log");
        var backup = File.ReadAllBytes(wal);

        // Cut at a record boundary: the store is at the ETag of a write this service made and acknowledged before its newest.
        await emulator.StopAsync();
        CutAfterRecords(wal, 11);
        await emulator.StartAgainAsync();
        var problem = await UntilAsync(admin, $"/v1/origins/{origins[0]}", HttpStatusCode.ServiceUnavailable);
        (await problem.JsonAsync())["detail"]!.GetValue<string>().ShouldContain("which this service saw before ETag");
        (await problem.JsonAsync())["missingChanges"]!.GetValue<int>().ShouldBe(30);

        // Restored from the backup: served again without a restart.
        await emulator.StopAsync();
        File.WriteAllBytes(wal, backup);
        await emulator.StartAgainAsync();
        await UntilAsync(admin, $"/v1/origins/{origins[39]}", HttpStatusCode.OK);
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://after.kvs-rollback.example" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        // Emptied (its folder gone, a new store under the same ARN): an ETag never seen, every acknowledged key lost at once.
        await emulator.StopAsync();
        Directory.Delete(emulator.StoreFolder, recursive: true);
        await emulator.StartAgainAsync();
        var emptied = await UntilAsync(admin, "/v1/settings", HttpStatusCode.ServiceUnavailable);
        (await emptied.JsonAsync())["detail"]!.GetValue<string>().ShouldContain("acknowledged keys are gone at once");
        (await admin.GetJsonAsync($"/v1/audit?action={AuditActions.ExternalChange}"))["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task Reads_follow_an_origin_deleted_and_a_mode_changed_directly_in_the_store_without_any_write_through_the_service()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var settings = new Dictionary<string, string>(ApiSettings.For(emulator.Address, NewFolder(), token)) { ["Writer:StorePollInterval"] = "00:00:02" };
        await using var api = await ApiProcess.StartAsync(settings);
        using var admin = api.Client(token);
        using var store = ApiSettings.StoreClient(emulator.Address);
        (await admin.PostJsonAsync("/v1/origins", new { origin = Real })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("enforce");

        var cfg = JsonNode.Parse((await store.GetAsync("cfg"))!.Value)!.AsObject();
        cfg["mode"] = "report";
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("cfg", cfg.ToJsonString())], ["o:" + Real]);

        // Documented bound: the poll interval plus one re-read; 10 s is the ceiling docs/store-truth.md promises.
        await UntilAsync(admin, $"/v1/origins/{Real}", HttpStatusCode.NotFound, TimeSpan.FromSeconds(10));
        (await admin.GetJsonAsync("/v1/settings"))["mode"]!.GetValue<string>().ShouldBe("report");
        (await AuditAsync(admin, AuditActions.ExternalChange)).Select(e => e!["target"]!.GetValue<string>()).Order(StringComparer.Ordinal).ShouldBe(["cfg", Real]);
    }

    [Fact]
    public async Task A_write_after_an_external_edit_reads_only_its_keys_without_listing_the_store_and_the_rest_is_reconciled_later_audited_as_external()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        // No background re-read during the test: the status call below is what reconciles the rest.
        var settings = new Dictionary<string, string>(ApiSettings.For(emulator.Address, NewFolder(), token)) { ["Writer:StorePollInterval"] = "01:00:00" };
        await using var api = await ApiProcess.StartAsync(settings);
        using var admin = api.Client(token);
        using var store = ApiSettings.StoreClient(emulator.Address);
        var origins = Enumerable.Range(0, 200).Select(i => new { origin = $"https://k{i:D3}.keyed.example" }).ToList();
        (await admin.PostJsonAsync("/v1/origins/bulk", new { origins })).EnsureSuccessStatusCode();
        var listed = await ListingsAsync(admin);

        // Someone adds the origin a request is about to add, and deletes another one.
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("o:" + Phantom, "{}")], ["o:https://k000.keyed.example"]);
        (await admin.PostJsonAsync("/v1/origins", new { origin = Phantom })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostJsonAsync("/v1/origins", new { origin = Real })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await store.GetAsync("o:" + Real)).ShouldNotBeNull();

        (await ListingsAsync(admin)).ShouldBe(listed);
        (await AuditAsync(admin, AuditActions.ExternalChange)).Select(e => e!["target"]!.GetValue<string>()).ShouldBe([Phantom]);

        (await admin.GetJsonAsync("/v1/status"))["drift"]!.GetValue<string>().ShouldBe("external-change-recorded");
        // The Prometheus exporter may answer a scrape from its short-lived cache: ask until the count moves.
        var after = await ListingsAsync(admin);
        for (var tries = 0; after <= listed && tries < 20; tries++)
        {
            await Task.Delay(250);
            after = await ListingsAsync(admin);
        }
        after.ShouldBeGreaterThan(listed);
        (await AuditAsync(admin, AuditActions.ExternalChange)).Select(e => e!["target"]!.GetValue<string>()).Order(StringComparer.Ordinal)
            .ShouldBe(["https://k000.keyed.example", Phantom]);
        (await admin.GetAsync("/v1/origins/https://k000.keyed.example")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await AuditAsync(admin, AuditActions.OriginAdd)).Count(e => e!["target"]!.GetValue<string>() == Phantom).ShouldBe(0);
    }

    [Fact]
    public async Task A_write_after_the_other_instance_wrote_and_someone_edited_the_store_starts_from_the_shared_mirror_and_reads_only_its_keys()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        var postgres = PostgresServer.CreateDatabase();
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        // No background re-read: what the second instance knows moves only through its own requests.
        Dictionary<string, string> Settings() => new(ApiSettings.For(emulator.Address, NewFolder(), token, postgres)) { ["Mirror:Key"] = key, ["Writer:StorePollInterval"] = "01:00:00" };
        await using var first = await ApiProcess.StartAsync(Settings());
        await using var second = await ApiProcess.StartAsync(Settings());
        using var one = first.Client(token);
        using var two = second.Client(token);
        using var store = ApiSettings.StoreClient(emulator.Address);
        var origins = Enumerable.Range(0, 200).Select(i => new { origin = $"https://s{i:D3}.shared-keyed.example" }).ToList();
        (await one.PostJsonAsync("/v1/origins/bulk", new { origins })).EnsureSuccessStatusCode();
        (await two.GetAsync("/v1/origins/https://s000.shared-keyed.example")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var listed = await ListingsAsync(two);

        // The first instance writes (the shared mirror moves past what the second knows), then someone edits the store directly.
        (await one.PostJsonAsync("/v1/origins", new { origin = Real })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("o:" + Phantom, "{}")], []);

        var added = await two.PostJsonAsync("/v1/origins", new { origin = "https://second.shared-keyed.example" });

        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        (await store.GetAsync("o:https://second.shared-keyed.example")).ShouldNotBeNull();
        (await ListingsAsync(two)).ShouldBe(listed, string.Join('\n', second.StandardOutput.TakeLast(30)));
        // What the first instance wrote is known from the mirror, not audited as someone else's change.
        (await two.GetAsync($"/v1/origins/{Real}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await AuditAsync(two, AuditActions.ExternalChange)).ShouldBeEmpty();
        (await AuditAsync(two, AuditActions.OriginAdd)).Count(e => e!["target"]!.GetValue<string>() == Real).ShouldBe(1);

        // The full re-read owed since then finds the direct edit, audited once as external.
        (await two.GetJsonAsync("/v1/status"))["drift"]!.GetValue<string>().ShouldBe("external-change-recorded");
        (await AuditAsync(one, AuditActions.ExternalChange)).Select(e => e!["target"]!.GetValue<string>()).ShouldBe([Phantom]);
    }

    [Fact]
    public async Task Changes_that_may_read_any_key_are_acknowledged_although_every_listing_is_followed_by_an_edit_and_each_edit_is_audited_once()
    {
        await using var emulator = await EmulatedStore.StartAsync();
        // No background re-read: every listing is one a request below makes, or the status call at the end.
        var settings = new Dictionary<string, string>(ApiSettings.For(emulator.Address, NewFolder(), token)) { ["Writer:StorePollInterval"] = "01:00:00" };
        await using var api = await ApiProcess.StartAsync(settings);
        using var admin = api.Client(token);
        using var store = ApiSettings.StoreClient(emulator.Address);
        await admin.CreatePartnerAsync("racing");
        var old = await admin.CreateSecretAsync("racing");

        // Someone edits the store, so the next write meets a conflict and lists the store; from now on the
        // emulator edits the store after every listing, before its last page is answered.
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("o:" + Phantom, "{}")], []);
        emulator.SetFaults(new FaultSettings { Seed = 21, EditAfterListingRate = 1 });
        var items = (await store.DescribeAsync()).ItemCount;

        var rotation = await admin.PostJsonAsync("/v1/partners/racing/secrets/rotate", new { graceSeconds = 3600, distributionDomain = PartnerCalls.Domain });
        var rotated = await rotation.JsonAsync();
        rotation.StatusCode.ShouldBe(HttpStatusCode.Created, rotated.ToJsonString());
        (await store.GetAsync("x:" + PartnerCalls.Sha256(rotated["secret"]!.GetValue<string>()))).ShouldNotBeNull();
        (await store.GetAsync("x:" + PartnerCalls.Sha256(old["secret"]!.GetValue<string>())))!.Value.ShouldContain($"\"exp\":{rotated["rotatedOut"]![0]!["expiresAt"]!.GetValue<DateTimeOffset>().ToUnixTimeSeconds()}");
        // Each listing put one key of the emulator's (a Describe, not a listing, counts them).
        var afterRotation = (await store.DescribeAsync()).ItemCount;
        afterRotation.ShouldBeGreaterThan(items + 1, "The rotation should have listed the store.");

        var rule = await admin.PostJsonAsync("/v1/user-agents", new { list = "deny", kind = "prefix", pattern = "curl/" });
        rule.StatusCode.ShouldBe(HttpStatusCode.Created, await rule.Content.ReadAsStringAsync());
        (await store.GetAsync("ua:0"))!.Value.ShouldContain("\"curl/*\"");
        var afterRule = (await store.DescribeAsync()).ItemCount;
        afterRule.ShouldBeGreaterThan(afterRotation + 1, "The User-Agent rule change should have listed the store (the state was partly checked).");

        // A keyed change reads only its key: no listing, so no edit.
        (await admin.PostJsonAsync("/v1/origins", new { origin = Real })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await store.GetAsync("o:" + Real)).ShouldNotBeNull();
        (await store.DescribeAsync()).ItemCount.ShouldBe(afterRule + 1);

        // The re-read owed since the catch-ups finds the edits no write read; with the fault off, it adds none.
        emulator.SetFaults(new FaultSettings());
        (await admin.GetJsonAsync("/v1/status"))["drift"]!.GetValue<string>().ShouldBe("external-change-recorded");
        var edits = (await store.ReadAllAsync()).Select(i => i.Key).Where(k => k.StartsWith("emulator-edit-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        // The new secret and the first User-Agent shard are the two keys the service added; every other new key is an edit.
        edits.Count.ShouldBe((int)(afterRule - items - 2));
        var external = (await AuditAsync(admin, AuditActions.ExternalChange)).Select(e => e!["target"]!.GetValue<string>()).ToList();
        external.Where(t => t.StartsWith("emulator-edit-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ShouldBe(edits);
        external.Count(t => t == Phantom).ShouldBe(1);
        (await AuditAsync(admin, AuditActions.MirrorDrift)).ShouldBeEmpty();
    }

    /// <summary>The API's count of whole-store listings, from its Prometheus endpoint.</summary>
    static async Task<long> ListingsAsync(HttpClient admin)
    {
        var match = System.Text.RegularExpressions.Regex.Match(await admin.GetStringAsync("/metrics"), @"^edge_allowlist_store_listings(?:_total)?(?:\{[^}]*\})? (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline);
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Keeps the first <paramref name="records"/> frames (int32 length, payload, SHA-256) of a wal.log.</summary>
    static void CutAfterRecords(string wal, int records)
    {
        var bytes = File.ReadAllBytes(wal);
        var offset = 0;
        for (var i = 0; i < records; i++)
            offset += 4 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset)) + SHA256.HashSizeInBytes;
        offset.ShouldBeLessThan(bytes.Length);
        File.WriteAllBytes(wal, bytes[..offset]);
    }

    static async Task<JsonArray> AuditAsync(HttpClient admin, string action) =>
        (await admin.GetJsonAsync($"/v1/audit?action={action}&limit=500"))["items"]!.AsArray();

    static async Task<HttpResponseMessage> UntilAnsweredAsync(HttpClient client, string path)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(100))
        {
            try
            {
                return await client.GetAsync(path);
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    static async Task<HttpResponseMessage> UntilAsync(HttpClient client, string path, HttpStatusCode status, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var response = await client.GetAsync(path);
            if (response.StatusCode == status)
                return response;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"GET {path} still answers {(int)response.StatusCode} after the deadline: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        foreach (var folder in folders)
            Directory.Delete(folder, recursive: true);
    }
}
