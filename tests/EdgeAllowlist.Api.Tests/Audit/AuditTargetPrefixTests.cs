using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Testing;
using Npgsql;

namespace EdgeAllowlist.Api.Tests.Audit;

/// <summary>
/// <c>?targetPrefix=</c> over HTTP: every target starting with the text, character by character, on SQLite,
/// on PostgreSQL, and on a PostgreSQL database whose collation (ICU en-US) orders text unlike code points.
/// </summary>
public abstract class AuditTargetPrefixTests(ApiHost host)
{
    // Each pair: a target the prefix names, and one that a LIKE without escapes, a comparison that folds
    // case, or a range under a linguistic collation would also (wrongly) match.
    static readonly (string Prefix, string[] Matching, string[] Others)[] Cases =
    [
        ("%", ["%/a"], ["X/a", "x%/a"]),
        ("_", ["_/b"], ["Y/b"]),
        ("\\", ["\\/c", "\\\\"], ["/c", "Z\\"]),
        ("é/", ["é/d"], ["e/d", "É/d", "é"]),
        ("😀", ["😀/e", "😀😀"], ["😁/e", "\uFFFF/e"]),
        ("MediaTailor/", ["MediaTailor/sec_1"], ["mediatailor/sec_2", "MEDIATAILOR/sec_3", "MediaTailor"]),
        ("mediatailor/", ["mediatailor/sec_2"], ["MediaTailor/sec_1", "mediatailor0", "mediatailor.x/sec_4"]),
        ("\U0010FFFF", ["\U0010FFFF", "\U0010FFFFz"], ["\uFFFF"]),
    ];

    [Fact]
    public async Task A_target_prefix_finds_exactly_the_targets_that_start_with_it_character_by_character()
    {
        var run = $"prefix-{Guid.NewGuid():N}"[..15] + "/";
        var targets = Cases.SelectMany(c => c.Matching.Concat(c.Others)).Distinct().ToList();
        await host.Service<AuditTrail>().AppendAsync([.. targets.Select(t => new AuditRecord("prefix-test", AuditActions.OriginNote, run + t, AuditOutcome.Success))]);
        using var admin = host.Admin();

        foreach (var (prefix, matching, _) in Cases)
        {
            var expected = targets.Where(t => t.StartsWith(prefix, StringComparison.Ordinal)).Select(t => run + t).Order(StringComparer.Ordinal).ToList();
            expected.ShouldBe([.. matching.Select(t => run + t).Order(StringComparer.Ordinal)], customMessage: $"the case of prefix {prefix} itself");
            var found = await TargetsAsync(admin, $"/v1/audit?limit=1000&targetPrefix={Uri.EscapeDataString(run + prefix)}");
            found.Order(StringComparer.Ordinal).ToList().ShouldBe(expected, customMessage: $"prefix {run}{prefix}");
        }
        (await TargetsAsync(admin, $"/v1/audit?limit=1000&targetPrefix={Uri.EscapeDataString(run)}")).Count.ShouldBe(targets.Count);
        // Newest first, and combined with the other filters and the export.
        var newest = await TargetsAsync(admin, $"/v1/audit?limit=2&actor=prefix-test&action=origin.note&targetPrefix={Uri.EscapeDataString(run)}");
        newest.ShouldBe([run + targets[^1], run + targets[^2]]);
        var export = await (await admin.GetAsync($"/v1/audit/export?targetPrefix={Uri.EscapeDataString(run + "mediatailor/")}")).Content.ReadAsStringAsync();
        export.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["target"]!.GetValue<string>()).ShouldBe([run + "mediatailor/sec_2"]);
    }

    [Fact]
    public async Task A_partner_prefix_finds_the_partners_secret_events_and_the_exact_target_filter_stays_exact()
    {
        using var admin = host.Admin();
        var partner = $"p{Guid.NewGuid():N}"[..12];
        await host.Service<AuditTrail>().AppendAsync(
        [
            new AuditRecord("prefix-test", AuditActions.SecretCreate, $"{partner}/sec_one", AuditOutcome.Success),
            new AuditRecord("prefix-test", AuditActions.SecretRotate, $"{partner}/sec_two", AuditOutcome.Success),
            new AuditRecord("prefix-test", AuditActions.SecretCreate, $"{partner}x/sec_three", AuditOutcome.Success),
        ]);

        (await TargetsAsync(admin, $"/v1/audit?targetPrefix={partner}/")).ShouldBe([$"{partner}/sec_two", $"{partner}/sec_one"]);
        (await TargetsAsync(admin, $"/v1/audit?targetPrefix={partner}/&action=secret.*")).Count.ShouldBe(2);
        (await TargetsAsync(admin, $"/v1/audit?target={partner}")).ShouldBeEmpty();
        (await TargetsAsync(admin, $"/v1/audit?target={partner}/sec_one")).ShouldBe([$"{partner}/sec_one"]);
    }

    [Fact]
    public async Task A_wide_prefix_walks_the_trail_and_pages_the_same_entries_newest_first()
    {
        // More entries under the prefix than AuditTrail counts before it walks the trail instead of the index.
        var run = $"wide-{Guid.NewGuid():N}"[..13] + "/";
        var count = AuditTrail.NarrowPrefixEntries + 10;
        await host.Service<AuditTrail>().AppendAsync([.. Enumerable.Range(0, count).Select(i =>
            new AuditRecord("prefix-test", AuditActions.OriginNote, i % 3 == 0 ? $"{run}M{i}" : i % 3 == 1 ? $"{run}m{i}" : $"{run.ToUpperInvariant()}m{i}", AuditOutcome.Success))]);
        using var admin = host.Admin();

        var seqs = new List<long>();
        var targets = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 3; page++)
        {
            var body = await admin.GetJsonAsync($"/v1/audit?limit=1000&targetPrefix={Uri.EscapeDataString(run)}{(cursor is null ? "" : "&cursor=" + cursor)}");
            seqs.AddRange(body["items"]!.AsArray().Select(e => e!["seq"]!.GetValue<long>()));
            targets.AddRange(body["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>()));
            cursor = body["nextCursor"]!.GetValue<string>();
        }

        seqs.ShouldBe(seqs.OrderDescending().Distinct().ToList());
        targets.ShouldAllBe(t => t.StartsWith(run, StringComparison.Ordinal));
        targets.Count.ShouldBe(3000);
        // Newest first: the last ones appended, less the third spelled with an upper-case run.
        targets.Take(2).ShouldBe(Enumerable.Range(0, count).Reverse().Where(i => i % 3 != 2).Take(2).Select(i => i % 3 == 0 ? $"{run}M{i}" : $"{run}m{i}"));
        (await TargetsAsync(admin, $"/v1/audit?limit=1000&targetPrefix={Uri.EscapeDataString(run + "M")}")).ShouldAllBe(t => t.StartsWith(run + "M", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/v1/audit?targetPrefix=")]
    [InlineData("/v1/audit/export?targetPrefix=")]
    [InlineData("/v1/audit?targetPrefix=LONG")]
    [InlineData("/v1/audit?targetPrefix=mediatailor/&target=mediatailor/sec_1")]
    public async Task A_wrong_target_prefix_is_a_400_naming_it(string query)
    {
        using var admin = host.Admin();
        var response = await admin.GetAsync(query.Replace("LONG", new string('a', 1025), StringComparison.Ordinal));

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        problem.ErrorFields().ShouldContain("targetPrefix");
    }

    [Fact]
    public async Task A_lone_surrogate_cannot_arrive_in_the_query_an_escape_that_is_not_utf8_is_matched_as_its_literal_text()
    {
        var run = $"lone-{Guid.NewGuid():N}"[..13];
        await host.Service<AuditTrail>().AppendAsync([new AuditRecord("prefix-test", AuditActions.OriginNote, run + "%ED%A0%80x", AuditOutcome.Success)]);
        using var admin = host.Admin();

        // The bytes of "\ud800" in (CESU-8) percent-escapes: left undecoded by ASP.NET Core, never a string holding a surrogate.
        (await TargetsAsync(admin, $"/v1/audit?targetPrefix={run}%ED%A0%80")).ShouldBe([run + "%ED%A0%80x"]);
        (await TargetsAsync(admin, $"/v1/audit?targetPrefix={run}%ED%B0%80")).ShouldBeEmpty();
    }

    static async Task<List<string>> TargetsAsync(HttpClient client, string query) =>
        [.. (await client.GetJsonAsync(query))["items"]!.AsArray().Select(e => e!["target"]!.GetValue<string>())];
}

public sealed class SqliteAuditTargetPrefixTests(ApiHost host) : AuditTargetPrefixTests(host), IClassFixture<ApiHost>;

public sealed class PostgresAuditTargetPrefixTests(PostgresApiHost host) : AuditTargetPrefixTests(host), IClassFixture<PostgresApiHost>;

public sealed class IcuCollationPostgresAuditTargetPrefixTests(IcuCollationPostgresApiHost host) : AuditTargetPrefixTests(host), IClassFixture<IcuCollationPostgresApiHost>
{
    [Fact]
    public async Task The_database_orders_text_linguistically_and_the_prefix_query_uses_the_code_point_index()
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        // The premise: under this collation a plain range of "mediatailor/" holds "MediaTailor/x".
        await using (var order = new NpgsqlCommand("SELECT 'MediaTailor/x' >= 'mediatailor/' AND 'MediaTailor/x' < 'mediatailor0'", connection))
            ((bool)(await order.ExecuteScalarAsync())!).ShouldBeTrue();
        await using var plan = new NpgsqlCommand("SET enable_seqscan = off; EXPLAIN SELECT seq FROM audit_entries WHERE target COLLATE \"C\" >= 'a/' AND target COLLATE \"C\" < 'a0'", connection);
        var lines = new List<string>();
        await using (var reader = await plan.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                lines.Add(reader.GetString(0));
        string.Join('\n', lines).ShouldContain("ix_audit_target_prefix");
    }
}

/// <summary>The service on a fresh PostgreSQL database whose default collation is ICU en-US, not C.</summary>
public sealed class IcuCollationPostgresApiHost : ApiHost
{
    public IcuCollationPostgresApiHost() : this(CreateDatabase())
    {
    }

    IcuCollationPostgresApiHost(string connectionString) : base(connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    static string CreateDatabase()
    {
        var any = PostgresServer.CreateDatabase();
        var name = $"ea_icu_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(any))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.utf8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'", connection);
            command.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(any) { Database = name }.ConnectionString;
    }
}
