using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Infrastructure.Observability;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Reliability;
using EdgeAllowlist.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace EdgeAllowlist.Bench.Api;

/// <summary>
/// A filtered page of 100 audit entries, newest first, over a hash-chained trail of 1,000,000
/// entries, on SQLite and on PostgreSQL: first as GET /v1/audit runs it (AuditTrail.QueryAsync,
/// connection open included), then over HTTP against the API as a process on the same database
/// (token check, binding, JSON and Kestrel included), with one filter of every kind the API documents.
/// Secret entries (a fifth) name partner{n}/sec_… of 50 partners, so ?targetPrefix=partner7/ is a
/// partner's secret history (~4,000 entries) and ?targetPrefix=https://o3 a wide one (~11% of the origins).
/// </summary>
public sealed class AuditQueryScenario : IScenario
{
    static readonly string[] Actions = ["origin.add", "origin.delete", "origin.expiry", "origin.note", "settings.update", "secret.create", "secret.expire", "token.create", "auth.denied", "request.rejected"];
    static readonly string[] Outcomes = ["success", "success", "success", "success", "success", "success", "success", "success", "rejected", "forbidden"];

    public string Name => "api-audit-query";

    public string Description => "audit query p50/p95 for a filtered page of 100 over 1,000,000 entries (target prefixes included), SQLite and PostgreSQL, in process and over HTTP [entries=1000000 queries=300]";

    public async Task<int> RunAsync(string[] args)
    {
        var entries = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var queries = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        var metrics = new ApiMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        var folder = Directory.CreateTempSubdirectory("edge-allowlist-bench-audit-").FullName;
        try
        {
            // The file the API opens in its data folder, so the HTTP run reads the same trail.
            var sqlite = new SqliteDatabase(Path.Combine(folder, "edge-allowlist.db"));
            await RunOnAsync("SQLite", sqlite, entries, queries, metrics, SeedSqliteAsync);
            SqliteConnection.ClearAllPools();
            await RunOverHttpAsync("SQLite", folder, null, queries);
            var connectionString = PostgresServer.CreateDatabase();
            var postgres = new PostgresDatabase(connectionString, new DatabaseOptions().PoolCheckAfterQuiet);
            await RunOnAsync("PostgreSQL", postgres, entries, queries, metrics, SeedPostgresAsync);
            await RunOverHttpAsync("PostgreSQL", Directory.CreateDirectory(Path.Combine(folder, "pg")).FullName, connectionString, queries);
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
            // The API's signing key is created beside its data folder, not in it.
            File.Delete(AuditOptions.KeyFileFor(folder));
        }
    }

    static async Task RunOnAsync(string name, IDatabase database, int entries, int queries, ApiMetrics metrics, Func<IDatabase, IEnumerable<object?[]>, Task> seed)
    {
        await DatabaseSchema.EnsureAsync(database);
        var watch = Stopwatch.StartNew();
        BenchProgress.Step($"{name}: seeding {entries:N0} entries");
        await seed(database, Rows(entries));
        Console.WriteLine($"{name}: seeded {entries:N0} chained entries in {watch.Elapsed.TotalSeconds:F1} s");
        var trail = new AuditTrail(database, TimeProvider.System, metrics);
        var random = new Random(7);
        var start = DateTimeOffset.FromUnixTimeMilliseconds(Epoch);
        var filters = new (string Label, Func<AuditFilter> Make)[]
        {
            ("actor", () => new(Actor: $"ci-{random.Next(20)}")),
            ("action", () => new(Action: Actions[random.Next(Actions.Length)])),
            ("target", () => new(Target: $"https://o{random.Next(100_000)}.example.com")),
            ("target prefix (partner)", () => new(TargetPrefix: $"partner{random.Next(Partners)}/")),
            ("target prefix (wide)", () => new(TargetPrefix: $"https://o{random.Next(1, 10)}")),
            ("outcome", () => new(Outcome: "forbidden")),
            ("actor+action", () => new(Actor: $"ci-{random.Next(20)}", Action: Actions[random.Next(Actions.Length)])),
            ("time range (1 day)", () => { var from = start.AddDays(random.Next(360)); return new(From: from, To: from.AddDays(1)); }),
            ("actor+time (7 days)", () => { var from = start.AddDays(random.Next(350)); return new(From: from, To: from.AddDays(7), Actor: $"ci-{random.Next(20)}"); }),
        };
        BenchProgress.Step($"{name}: the in-process queries");
        var all = new List<double>();
        foreach (var (label, make) in filters)
        {
            var times = new List<double>();
            for (var i = 0; i < queries / filters.Length; i++)
            {
                var filter = make();
                var q = Stopwatch.StartNew();
                await trail.QueryAsync(filter, 101);
                times.Add(q.Elapsed.TotalMilliseconds);
            }
            all.AddRange(times);
            Console.WriteLine($"  {label,-22} p50 {Percentile(times, 0.50),7:F2} ms   p95 {Percentile(times, 0.95),7:F2} ms");
        }
        Console.WriteLine($"  {"all filters",-22} p50 {Percentile(all, 0.50),7:F2} ms   p95 {Percentile(all, 0.95),7:F2} ms");
    }

    static (string Label, Func<Random, string> Query)[] HttpFilters(DateTimeOffset start) =>
    [
        ("actor", r => $"actor=ci-{r.Next(20)}"),
        ("action", r => $"action={Actions[r.Next(Actions.Length)]}"),
        ("target", r => $"target={Uri.EscapeDataString($"https://o{r.Next(100_000)}.example.com")}"),
        ("target prefix (partner)", r => $"targetPrefix=partner{r.Next(Partners)}%2F"),
        ("target prefix (wide)", r => $"targetPrefix={Uri.EscapeDataString($"https://o{r.Next(1, 10)}")}"),
        ("target prefix+time (30 days)", r => { var from = start.AddDays(r.Next(330)); return $"targetPrefix=partner{r.Next(Partners)}%2F&from={Iso(from)}&to={Iso(from.AddDays(30))}"; }),
        ("outcome", _ => "outcome=forbidden"),
        ("actor+action", r => $"actor=ci-{r.Next(20)}&action={Actions[r.Next(Actions.Length)]}"),
        ("target+time (30 days)", r => { var from = start.AddDays(r.Next(330)); return $"target={Uri.EscapeDataString($"https://o{r.Next(100_000)}.example.com")}&from={Iso(from)}&to={Iso(from.AddDays(30))}"; }),
        ("time range (1 day)", r => { var from = start.AddDays(r.Next(360)); return $"from={Iso(from)}&to={Iso(from.AddDays(1))}"; }),
        ("actor+time (7 days)", r => { var from = start.AddDays(r.Next(350)); return $"actor=ci-{r.Next(20)}&from={Iso(from)}&to={Iso(from.AddDays(7))}"; }),
        ("cursor (page 2 of actor)", r => $"actor=ci-{r.Next(20)}&cursor={500_000 + r.Next(400_000)}"),
    ];

    static string Iso(DateTimeOffset time) => Uri.EscapeDataString(time.ToString("O", CultureInfo.InvariantCulture));

    /// <summary>The same trail through the API: started on the seeded database, queried with an admin token.</summary>
    static async Task RunOverHttpAsync(string name, string dataDirectory, string? connectionString, int queries)
    {
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.Embedded(dataDirectory, token);
        if (connectionString is not null)
            settings["Database:ConnectionString"] = connectionString;
        BenchProgress.Step($"{name}: the API to start on the seeded trail");
        await using var api = await ApiProcess.StartAsync(settings, readyWithin: TimeSpan.FromMinutes(5));
        using var http = api.Client(token);
        // The start's first checkpoint and full verification of a million entries run in the background:
        // measure the queries once they are done, not beside them.
        BenchProgress.Step($"{name}: the API's start-up verification of the trail");
        while ((await http.GetStringAsync("/v1/status")).Contains("\"auditChain\":\"unchecked\"", StringComparison.Ordinal))
            await Task.Delay(500);
        BenchProgress.Step($"{name}: the queries over HTTP");
        var random = new Random(11);
        var filters = HttpFilters(DateTimeOffset.FromUnixTimeMilliseconds(Epoch));
        // Warm the path (JIT, pools) before timing it.
        foreach (var (_, query) in filters)
            (await http.GetAsync($"/v1/audit?limit=100&{query(random)}")).EnsureSuccessStatusCode();
        Console.WriteLine($"{name} over HTTP (GET /v1/audit?limit=100&...):");
        var all = new List<double>();
        var worst = 0.0;
        foreach (var (label, query) in filters)
        {
            var times = new List<double>();
            for (var i = 0; i < queries / filters.Length; i++)
            {
                var q = Stopwatch.StartNew();
                using var response = await http.GetAsync($"/v1/audit?limit=100&{query(random)}");
                await response.Content.ReadAsByteArrayAsync();
                response.EnsureSuccessStatusCode();
                times.Add(q.Elapsed.TotalMilliseconds);
            }
            all.AddRange(times);
            worst = Math.Max(worst, Percentile(times, 0.95));
            Console.WriteLine($"  {label,-24} p50 {Percentile(times, 0.50),7:F2} ms   p95 {Percentile(times, 0.95),7:F2} ms");
        }
        Console.WriteLine($"  {"all filters",-24} p50 {Percentile(all, 0.50),7:F2} ms   p95 {Percentile(all, 0.95),7:F2} ms   worst filter p95 {worst:F2} ms (goal <= 20 ms)");
    }

    const long Epoch = 1_735_689_600_000; // 2025-01-01

    /// <summary>Secret entries name partner{n}/sec_…, as PartnerSecrets does; the rest name origins.</summary>
    const int Partners = 50;

    /// <summary>A year of entries, chained exactly as AuditTrail chains them.</summary>
    static IEnumerable<object?[]> Rows(int count)
    {
        var random = new Random(42);
        var prev = AuditEntry.GenesisHash;
        var step = 365L * 24 * 3600 * 1000 / count;
        for (long seq = 1; seq <= count; seq++)
        {
            var ts = Epoch + seq * step;
            var action = Actions[random.Next(Actions.Length)];
            var target = action.StartsWith("secret.", StringComparison.Ordinal) ? $"partner{random.Next(Partners)}/sec_{seq:x8}" : $"https://o{random.Next(100_000)}.example.com";
            var record = new AuditRecord($"ci-{random.Next(20)}", action, target,
                Outcomes[random.Next(Outcomes.Length)], null, "{}", $"0HN{seq:X8}", "10.0.0.1", "KV1", "KV2");
            var hash = AuditEntry.ComputeHash(seq, ts, record, prev);
            yield return [seq, ts, record.Actor, record.Action, record.Target, record.Outcome, record.Before, record.After, record.RequestId, record.Client, record.ETagBefore, record.ETagAfter, record.Detail, prev, hash];
            prev = hash;
        }
    }

    const string Insert = "INSERT INTO audit_entries (seq, ts, actor, action, target, outcome, before_json, after_json, request_id, client, etag_before, etag_after, detail, prev_hash, hash) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14)";

    static async Task SeedSqliteAsync(IDatabase database, IEnumerable<object?[]> rows)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.Command(Insert, transaction, [.. Enumerable.Range(0, 15).Select(i => ($"p{i}", (object?)null))]);
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
                command.Parameters[i].Value = row[i] ?? DBNull.Value;
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }

    static async Task SeedPostgresAsync(IDatabase database, IEnumerable<object?[]> rows)
    {
        await using var connection = (NpgsqlConnection)await database.OpenAsync();
        await using (var copy = await connection.BeginBinaryImportAsync("COPY audit_entries (seq, ts, actor, action, target, outcome, before_json, after_json, request_id, client, etag_before, etag_after, detail, prev_hash, hash) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync((long)row[0]!, NpgsqlDbType.Bigint);
                await copy.WriteAsync((long)row[1]!, NpgsqlDbType.Bigint);
                for (var i = 2; i < row.Length; i++)
                {
                    if (row[i] is string text)
                        await copy.WriteAsync(text, NpgsqlDbType.Text);
                    else
                        await copy.WriteNullAsync();
                }
            }
            await copy.CompleteAsync();
        }
        // VACUUM as autovacuum would on a table this size: it marks the pages all-visible, so index-only
        // scans (a target prefix's seqs) read no rows. Without it, in the minutes after a bulk load, each
        // index entry costs a heap visit (EDGE_ALLOWLIST_BENCH_NO_VACUUM=1 measures that).
        var vacuum = Environment.GetEnvironmentVariable("EDGE_ALLOWLIST_BENCH_NO_VACUUM") == "1" ? "ANALYZE audit_entries" : "VACUUM ANALYZE audit_entries";
        await using var analyze = new NpgsqlCommand(vacuum, connection);
        await analyze.ExecuteNonQueryAsync();
    }

    static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
