using System.Data.Common;
using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Audit;

/// <summary>Query, export and the hash chain; run on SQLite and on PostgreSQL.</summary>
public abstract class AuditTrailTests(ApiHost host)
{
    [Fact]
    public async Task Pages_follow_the_cursor_newest_first_without_gaps_or_repeats()
    {
        using var admin = host.Admin();
        for (var i = 0; i < 7; i++)
            (await admin.PostJsonAsync("/v1/origins", new { origin = $"https://page{i}.audit.example" })).EnsureSuccessStatusCode();
        var seqs = new List<long>();
        string? cursor = null;
        do
        {
            var page = await admin.GetJsonAsync($"/v1/audit?action=origin.add&limit=3{(cursor is null ? "" : "&cursor=" + cursor)}");
            seqs.AddRange(page["items"]!.AsArray().Select(i => i!["seq"]!.GetValue<long>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        seqs.Count.ShouldBeGreaterThanOrEqualTo(7);
        seqs.ShouldBe(seqs.OrderDescending().Distinct().ToList());
    }

    [Fact]
    public async Task Filters_by_time_actor_action_target_and_outcome_combine()
    {
        using var admin = host.Admin();
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://filter.audit.example" })).EnsureSuccessStatusCode();
        var end = DateTimeOffset.UtcNow.AddSeconds(1);
        var query = $"/v1/audit?from={Uri.EscapeDataString(start.ToString("O"))}&to={Uri.EscapeDataString(end.ToString("O"))}&actor=bootstrap-admin&action=origin.add&target={Uri.EscapeDataString("https://filter.audit.example")}&outcome=success";
        var found = await admin.GetJsonAsync(query);
        var entry = found["items"]!.AsArray().ShouldHaveSingleItem()!;
        entry["requestId"]!.GetValue<string>().ShouldNotBeNullOrEmpty();
        entry["client"]!.GetValue<string>().ShouldBe("127.0.0.1");
        var before = await admin.GetJsonAsync($"/v1/audit?to={Uri.EscapeDataString(start.ToString("O"))}&target={Uri.EscapeDataString("https://filter.audit.example")}");
        before["items"]!.AsArray().ShouldBeEmpty();
        await (await admin.GetAsync("/v1/audit?outcome=maybe")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.GetAsync("/v1/audit?cursor=abc")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.GetAsync($"/v1/audit?from={Uri.EscapeDataString(end.ToString("O"))}&to={Uri.EscapeDataString(start.ToString("O"))}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Exports_hold_every_matching_entry_as_ndjson_or_csv()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://export.audit.example", note = "=cmd|' /C calc'!A0" })).EnsureSuccessStatusCode();
        var ndjson = await admin.GetAsync("/v1/audit/export?action=origin.add&target=https%3A%2F%2Fexport.audit.example");
        ndjson.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-ndjson");
        var lines = (await ndjson.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        JsonNode.Parse(lines.ShouldHaveSingleItem())!["target"]!.GetValue<string>().ShouldBe("https://export.audit.example");

        var csv = await (await admin.GetAsync("/v1/audit/export?format=csv&action=origin.note")).Content.ReadAsStringAsync();
        var rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        rows[0].ShouldStartWith("seq,time,actor,action,target,outcome");
        // A note that a spreadsheet would run as a formula is neutralised.
        rows.ShouldContain(r => r.Contains("'=cmd|"));
        await (await admin.GetAsync("/v1/audit/export?format=xml")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task The_csv_shows_expiries_as_iso_8601_utc_while_the_ndjson_keeps_the_hashed_seconds_and_the_chain_verifies()
    {
        using var admin = host.Admin();
        const string origin = "https://expiry-csv.audit.example";
        var expires = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
        (await admin.PostJsonAsync("/v1/origins", new { origin, expiresAt = expires })).EnsureSuccessStatusCode();
        var target = Uri.EscapeDataString(origin);

        var csv = await (await admin.GetAsync($"/v1/audit/export?format=csv&action=origin.add&target={target}")).Content.ReadAsStringAsync();
        var ndjson = await (await admin.GetAsync($"/v1/audit/export?action=origin.add&target={target}")).Content.ReadAsStringAsync();

        var row = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        row.ShouldContain("\"{\"\"exp\"\":\"\"2031-05-06T07:08:09Z\"\"}\"");
        row.ShouldNotContain(expires.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        JsonNode.Parse(ndjson.Trim())!["after"]!.GetValue<string>().ShouldBe($$"""{"exp":{{expires.ToUnixTimeSeconds()}}}""");
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task The_chain_verifies_and_an_edited_row_is_found()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://chain.audit.example" })).EnsureSuccessStatusCode();
        var verified = await admin.GetJsonAsync("/v1/audit/verify");
        verified["valid"]!.GetValue<bool>().ShouldBeTrue();
        verified["entries"]!.GetValue<long>().ShouldBeGreaterThan(0);

        var seq = (await admin.GetJsonAsync("/v1/audit?target=https%3A%2F%2Fchain.audit.example"))["items"]![0]!["seq"]!.GetValue<long>();
        var database = host.Service<Infrastructure.Database.IDatabase>();
        await using (var connection = await database.OpenAsync())
            await Infrastructure.Database.DbExtensions.ExecuteAsync(connection, "UPDATE audit_entries SET actor = 'someone-else' WHERE seq = @s", null, default, ("s", seq));
        var broken = await admin.GetJsonAsync("/v1/audit/verify");
        broken["valid"]!.GetValue<bool>().ShouldBeFalse();
        broken["firstInvalidSeq"]!.GetValue<long>().ShouldBe(seq);
        await using (var connection = await database.OpenAsync())
            await Infrastructure.Database.DbExtensions.ExecuteAsync(connection, "UPDATE audit_entries SET actor = 'bootstrap-admin' WHERE seq = @s", null, default, ("s", seq));
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task An_action_family_finds_every_action_of_the_family_newest_first_and_an_unknown_family_is_a_400()
    {
        using var admin = host.Admin();
        const string origin = "https://family.audit.example";
        (await admin.PostJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();
        // Forced: deleting the origin flips its built-in expectation (pass -> deny); WriteCheckTests covers the refusal.
        (await admin.DeleteAsync($"/v1/origins/{origin}?force=true")).EnsureSuccessStatusCode();
        (await admin.PostJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();

        var family = (await admin.GetJsonAsync($"/v1/audit?action=origin.*&target={Uri.EscapeDataString(origin)}&limit=2"))["items"]!.AsArray();

        family.Select(e => e!["action"]!.GetValue<string>()).ShouldBe(["origin.add", "origin.delete"]);
        var all = (await admin.GetJsonAsync("/v1/audit?action=origin.*&limit=1000"))["items"]!.AsArray();
        all.ShouldAllBe(e => e!["action"]!.GetValue<string>().StartsWith("origin.", StringComparison.Ordinal));
        all.Select(e => e!["seq"]!.GetValue<long>()).ShouldBe(all.Select(e => e!["seq"]!.GetValue<long>()).OrderDescending());
        (await admin.GetJsonAsync($"/v1/audit?action=secret.*&target={Uri.EscapeDataString(origin)}"))["items"]!.AsArray().ShouldBeEmpty();
        var export = await (await admin.GetAsync($"/v1/audit/export?action=origin.*&target={Uri.EscapeDataString(origin)}")).Content.ReadAsStringAsync();
        export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(3);
        await (await admin.GetAsync("/v1/audit?action=nothing.*")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_rejected_request_is_audited_with_the_field_and_reason_the_400_named()
    {
        using var admin = host.Admin();
        var refused = await admin.PostJsonAsync("/v1/origins", new { origin = "ftp://rejected.audit.example" });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        var error = problem["errors"]!.AsArray()[0]!;

        var entry = (await admin.GetJsonAsync($"/v1/audit?action=request.rejected&limit=1"))["items"]!.AsArray().ShouldHaveSingleItem()!;

        entry["requestId"]!.GetValue<string>().ShouldBe(refused.Headers.GetValues("X-Request-Id").Single());
        entry["detail"]!.GetValue<string>().ShouldStartWith("HTTP 400: ");
        entry["detail"]!.GetValue<string>().ShouldContain($"{error["name"]!.GetValue<string>()}: {error["reason"]!.GetValue<string>()}");
    }

    [Fact]
    public async Task A_relabelled_entry_fails_verification_there_are_no_shadow_columns_to_hide_it_in()
    {
        using var admin = host.Admin();
        const string origin = "https://relabel.audit.example";
        (await admin.PostJsonAsync("/v1/origins", new { origin })).EnsureSuccessStatusCode();
        var entry = (await admin.GetJsonAsync($"/v1/audit?target={Uri.EscapeDataString(origin)}"))["items"]![0]!;
        var seq = entry["seq"]!.GetValue<long>();
        var database = host.Service<Infrastructure.Database.IDatabase>();
        // The attacker of issue 20: a harmless label on show, the originals where the hash used to look.
        await using (var connection = await database.OpenAsync())
        {
            await Infrastructure.Database.DbExtensions.ExecuteAsync(connection, "UPDATE audit_entries SET action = 'origin.note', target = 'https://harmless.example' WHERE seq = @s", null, default, ("s", seq));
            try
            {
                await Infrastructure.Database.DbExtensions.ExecuteAsync(connection, "UPDATE audit_entries SET hashed_action = 'origin.add', hashed_target = @t WHERE seq = @s", null, default, ("t", origin), ("s", seq));
            }
            catch (DbException)
            {
                // No such columns: nothing to hide the originals in.
            }
        }
        var verified = await admin.GetJsonAsync("/v1/audit/verify");
        await using (var connection = await database.OpenAsync())
            await Infrastructure.Database.DbExtensions.ExecuteAsync(connection, "UPDATE audit_entries SET action = 'origin.add', target = @t WHERE seq = @s", null, default, ("t", origin), ("s", seq));
        verified["valid"]!.GetValue<bool>().ShouldBeFalse();
        verified["firstInvalidSeq"]!.GetValue<long>().ShouldBe(seq);
    }
}

public sealed class SqliteAuditTrailTests(ApiHost host) : AuditTrailTests(host), IClassFixture<ApiHost>;

public sealed class PostgresAuditTrailTests(PostgresApiHost host) : AuditTrailTests(host), IClassFixture<PostgresApiHost>;
