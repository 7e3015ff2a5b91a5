using System.Diagnostics;
using System.Globalization;
using EdgeAllowlist.Bench;
using EdgeAllowlist.Emulator;
using EdgeAllowlist.Store;
using EdgeAllowlist.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAllowlist.Reliability;

/// <summary>
/// DESIGN.md §5 invariants 2, 3 and 6 under faults, crashes, contention and load, in one command:
/// <c>dotnet run -c Release --project bench/EdgeAllowlist.Bench -- reliability [fault|crash|contention|load] [--quick]</c>.
/// The API runs as its own process (the built EdgeAllowlist.Api.dll) against the emulator through
/// the AWS client; exit code 1 if any invariant fails.
/// </summary>
public sealed class ReliabilityScenario : IScenario
{
    public string Name => "reliability";

    public string Description => "fault injection, SIGKILL crash recovery, two instances + external writer, sustained load; exit 1 on any violation [part] [--quick]";

    public async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var parts = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        bool Runs(string part) => parts.Count == 0 || parts.Contains(part);
        var failures = 0;
        if (Runs("fault"))
            failures += await FaultAsync(clients: 8, perClient: quick ? 40 : 250);
        if (Runs("crash"))
            failures += await CrashAsync(kills: quick ? 10 : 50);
        if (Runs("contention"))
            failures += await ContentionAsync(perClient: quick ? 15 : 60);
        if (Runs("load"))
            failures += await LoadAsync(TimeSpan.FromSeconds(quick ? 10 : 60));
        Console.WriteLine(failures == 0 ? "reliability: every invariant held" : $"reliability: {failures} part(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    static async Task<int> FaultAsync(int clients, int perClient)
    {
        Console.WriteLine($"fault injection: {clients * perClient} mutations from {clients} clients, 20 % of KVS calls failing");
        await using var emulator = await StartEmulatorAsync();
        // 1 % of calls stall past the API's 0.5 s attempt timeout and land afterwards; the emulator fails 19 %.
        await using var proxy = await StallingProxy.StartAsync(emulator.Address, TimeSpan.FromMilliseconds(700));
        var data = Directory.CreateTempSubdirectory("ea-rel-fault-").FullName;
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.For(proxy.Address, data, token);
        settings["Kvs:AttemptTimeout"] = "00:00:00.500";
        // Two attempts per call (AWS SDKs default to three): enough faults get through the client and
        // the writer's re-reads that the clients' Idempotency-Key retries are exercised too.
        settings["Kvs:MaxAttempts"] = "2";
        try
        {
            BenchProgress.Step("fault injection: the API to start");
            await using var api = await ApiProcess.StartAsync(settings);
            using var admin = api.Client(token);
            var workload = new MutationWorkload("fault", clients, perClient);
            await workload.PrepareAsync(admin);
            emulator.SetFaults(new()
            {
                ErrorRate = 0.13,
                ErrorStatusCodes = [500, 503, 429],
                FailAfterApplyRate = 0.03,
                DropConnectionAfterApplyRate = 0.03,
            });
            proxy.StallRate = 0.01;
            var clock = Stopwatch.StartNew();
            BenchProgress.Step("fault injection: the clients' mutations to be answered");
            await workload.RunAsync(_ => api.Client(token));
            var elapsed = clock.Elapsed;
            emulator.SetFaults(new());
            proxy.StallRate = 0;
            BenchProgress.Step("fault injection: the invariant check (store, audit trail, answers)");
            var (summary, violations) = await InvariantCheck.RunAsync(admin, emulator.Store, workload.Outcomes);
            var retried = workload.Outcomes.Count(o => o.Attempts > 1);
            Console.WriteLine($"  {summary.Acknowledged}/{summary.Mutations} acknowledged, {summary.Failed} not acknowledged, {retried} needed client retries, " +
                $"{summary.Recovered} writes completed by recovery (answer lost), {proxy.Stalled} calls stalled past the timeout, {summary.ExternalChanges} external-change entries, " +
                $"{summary.AuditEntries} audit entries, chain verified; {elapsed.TotalSeconds:F1} s");
            foreach (var failed in workload.Outcomes.Where(o => !o.Acknowledged).Take(5))
                Console.WriteLine($"  not acknowledged: {failed.Kind} {failed.Target} after {failed.Attempts} attempts: {failed.LastError}");
            return Report(violations);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    static async Task<int> CrashAsync(int kills)
    {
        Console.WriteLine($"crash recovery: {kills} SIGKILLs of the API process during writes (4 clients, 12 mutations each per round)");
        await using var emulator = await StartEmulatorAsync();
        BenchProgress.Step("crash recovery: the kill-and-restart rounds");
        var (figures, violations) = await CrashLoop.RunAsync(emulator.Address, kills, clients: 4, mutationsPerRound: 12, seed: 7);
        var s = figures.Summary;
        Console.WriteLine($"  {figures.Kills} kills, {s.Acknowledged}/{s.Mutations} acknowledged, {s.Recovered} writes completed by recovery on restart, " +
            $"{s.ExternalChanges} external-change entries, {s.AuditEntries} audit entries, chain verified; mean restart to ready {figures.MeanRestart.TotalSeconds:F2} s, total {figures.Elapsed.TotalSeconds:F0} s");
        return Report(violations);
    }

    static async Task<int> ContentionAsync(int perClient)
    {
        const int clients = 8;
        Console.WriteLine($"contention: two API instances on one store and one PostgreSQL, {clients * perClient} mutations from {clients} clients, plus an external writer on the store");
        await using var emulator = await StartEmulatorAsync();
        var database = PostgresServer.CreateDatabase();
        var token = ApiSettings.NewAdminToken();
        var folders = new[] { Directory.CreateTempSubdirectory("ea-rel-a-").FullName, Directory.CreateTempSubdirectory("ea-rel-b-").FullName };
        try
        {
            // Instances on one database share the mirror's seal key and the audit signing key (docs/store-truth.md, docs/audit.md).
            var mirrorKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            var auditKey = Path.Combine(folders[0] + "-shared", "audit-key.pem");
            Directory.CreateDirectory(Path.GetDirectoryName(auditKey)!);
            Dictionary<string, string> Settings(string folder) => new(ApiSettings.For(emulator.Address, folder, token, database)) { ["Mirror:Key"] = mirrorKey, ["Audit:KeyFile"] = auditKey };
            await using var first = await ApiProcess.StartAsync(Settings(folders[0]));
            await using var second = await ApiProcess.StartAsync(Settings(folders[1]));
            var instances = new[] { first, second };
            using var admin = first.Client(token);
            var workload = new MutationWorkload("contention", clients, perClient);
            await workload.PrepareAsync(admin);
            using var stop = new CancellationTokenSource();
            var external = Task.Run(() => ExternalWriterAsync(emulator.Address, stop.Token));
            BenchProgress.Step("contention: the clients' mutations on two instances");
            await workload.RunAsync(c => instances[c % 2].Client(token));
            await stop.CancelAsync();
            BenchProgress.Step("contention: the external writer to stop");
            var (written, conflicts) = await external;
            // Each instance audits an external edit when it next reads the store (a keyed write, its 5 s poll and
            // the background re-read): the check is repeated until it holds, for at most a minute after the writers stop.
            BenchProgress.Step("contention: the invariant check");
            var settling = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                foreach (var instance in instances)
                {
                    using var client = instance.Client(token);
                    (await client.GetAsync("/v1/status")).EnsureSuccessStatusCode();
                }
                var (summary, violations) = await InvariantCheck.RunAsync(admin, emulator.Store, workload.Outcomes, written.ToHashSet());
                if (violations.Count > 0 && settling.Elapsed < TimeSpan.FromMinutes(1))
                {
                    await Task.Delay(TimeSpan.FromSeconds(2));
                    continue;
                }
                Console.WriteLine($"  {summary.Acknowledged}/{summary.Mutations} acknowledged, {written.Count} external edits ({conflicts} of its attempts met a moved ETag), " +
                    $"{summary.ExternalChanges} external-change entries, {summary.AuditEntries} audit entries; settled {settling.Elapsed.TotalSeconds:F1} s after the writers stopped");
                return Report(violations);
            }
        }
        finally
        {
            foreach (var folder in folders)
                Directory.Delete(folder, recursive: true);
            Directory.Delete(folders[0] + "-shared", recursive: true);
        }
    }

    /// <summary>Someone editing the store by hand: a new origin key every 40 ms, with If-Match, re-reading on conflict.</summary>
    static async Task<(List<string> Written, int Conflicts)> ExternalWriterAsync(Uri emulator, CancellationToken stop)
    {
        using var store = ApiSettings.StoreClient(emulator);
        var written = new List<string>();
        var conflicts = 0;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var key = $"o:https://external-{i}.rel.example";
            while (true)
            {
                try
                {
                    await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new(key, "{}")], []);
                    written.Add(key);
                    break;
                }
                catch (KvsException e) when (e.Kind == KvsErrorKind.Conflict)
                {
                    conflicts++;
                }
            }
            try
            {
                await Task.Delay(40, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return (written, conflicts);
    }

    static async Task<int> LoadAsync(TimeSpan duration)
    {
        Console.WriteLine($"sustained load: {duration.TotalSeconds:F0} s of mixed traffic from 8 workers on loopback");
        await using var emulator = await StartEmulatorAsync();
        var data = Directory.CreateTempSubdirectory("ea-rel-load-").FullName;
        var token = ApiSettings.NewAdminToken();
        try
        {
            await using var api = await ApiProcess.StartAsync(ApiSettings.For(emulator.Address, data, token));
            BenchProgress.Step("sustained load: the load run");
            var figures = await LoadRun.RunAsync(api, token, duration, workers: 8);
            var mb = figures.WorkingSetSamples.Select(b => b / 1048576.0).ToList();
            var third = Math.Max(1, mb.Count / 3);
            var middle = mb.Skip(third).Take(third).DefaultIfEmpty(0).Max();
            var last = mb.Skip(mb.Count - third).DefaultIfEmpty(0).Max();
            var bounded = last <= middle * 1.2 + 16;
            Console.WriteLine($"  {figures.Requests} requests, {figures.RequestsPerSecond:F0} req/s, p50 {figures.P50Milliseconds:F1} ms, p99 {figures.P99Milliseconds:F1} ms, {figures.Errors} errors");
            Console.WriteLine($"  mix: {string.Join(", ", figures.ByKind.OrderByDescending(k => k.Value).Select(k => $"{k.Key} {k.Value}"))}");
            Console.WriteLine($"  API working set: first {mb.FirstOrDefault():F0} MB, max of middle third {middle:F0} MB, max of last third {last:F0} MB, {mb.Count} samples ({(bounded ? "bounded" : "GROWING")})");
            var violations = new List<string>();
            if (figures.Errors > 0)
                violations.Add($"{figures.Errors} requests failed; first: {figures.FirstError}");
            if (!bounded)
                violations.Add($"working set grew from {middle:F0} MB to {last:F0} MB over the last third of the run");
            return Report(violations);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    static int Report(List<string> violations)
    {
        foreach (var violation in violations.Take(20))
            Console.WriteLine("  VIOLATION " + violation);
        if (violations.Count > 20)
            Console.WriteLine($"  … and {violations.Count - 20} more");
        return violations.Count == 0 ? 0 : 1;
    }

    static async Task<RunningStore> StartEmulatorAsync()
    {
        var folder = Directory.CreateTempSubdirectory("ea-rel-kvs-").FullName;
        var app = EmulatorHost.Create(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], o =>
        {
            o.DataPath = folder;
            o.Stores = [ApiSettings.Arn];
            o.Credentials = [new() { AccessKeyId = ApiSettings.AccessKeyId, SecretAccessKey = ApiSettings.SecretAccessKey }];
        });
        await app.StartAsync();
        return new(app, folder);
    }

    sealed class RunningStore(WebApplication app, string folder) : IAsyncDisposable
    {
        public Uri Address { get; } = EmulatorHost.ListeningAddress(app);

        public EdgeAllowlist.Aws.KeyValueStore.KeyValueStoreClient Store { get; } = ApiSettings.StoreClient(EmulatorHost.ListeningAddress(app));

        public void SetFaults(FaultSettings faults) => app.Services.GetRequiredService<FaultInjector>().Set(faults);

        public async ValueTask DisposeAsync()
        {
            Store.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
