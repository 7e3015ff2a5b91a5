using System.Diagnostics;

namespace EdgeAllowlist.Reliability;

/// <summary>Figures of a crash run.</summary>
public sealed record CrashFigures(int Kills, CheckSummary Summary, TimeSpan MeanRestart, TimeSpan Elapsed, IReadOnlyList<string> Unacknowledged);

/// <summary>
/// SIGKILLs the API process at random points while clients keep writing, then restarts it on the
/// same SQLite file, the same port and the same store, and checks the invariants after every round:
/// the clients' retries (same Idempotency-Key) run through the restart, so every mutation ends
/// acknowledged or given up, and the store and the trail must agree with each other and with them.
/// The API runs against the emulator in another process (the caller's): the store lives on while
/// the API dies, as a real KVS would.
/// </summary>
public static class CrashLoop
{
    public static async Task<(CrashFigures Figures, List<string> Violations)> RunAsync(Uri emulator, int kills, int clients, int mutationsPerRound, int seed, Action<string>? log = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("ea-rel-crash-").FullName;
        var token = ApiSettings.NewAdminToken();
        var settings = ApiSettings.For(emulator, dataDirectory, token);
        var random = new Random(seed);
        var outcomes = new List<MutationOutcome>();
        var violations = new List<string>();
        var restarts = TimeSpan.Zero;
        var elapsed = Stopwatch.StartNew();
        var api = await ApiProcess.StartAsync(settings);
        var port = api.BaseAddress.Port;
        using var store = ApiSettings.StoreClient(emulator);
        CheckSummary summary = new(0, 0, 0, 0, 0, 0, 0);
        try
        {
            for (var round = 0; round < kills; round++)
            {
                // Clients retry through the restart: 40 attempts (about 35 s of backoff) cover a slow start on a loaded machine.
                var workload = new MutationWorkload($"k{seed}x{round}", clients, mutationsPerRound, maxAttempts: 40);
                using (var admin = api.Client(token))
                    await workload.PrepareAsync(admin);
                var clientsOfRound = Enumerable.Range(0, clients).Select(_ => api.Client(token)).ToList();
                var run = workload.RunAsync(c => clientsOfRound[c]);
                var killAfter = random.Next(1, clients * mutationsPerRound / 2);
                while (workload.Completed < killAfter && !run.IsCompleted)
                    await Task.Delay(2);
                await Task.Delay(random.Next(0, 30));
                await api.KillAsync();
                var restart = Stopwatch.StartNew();
                await api.DisposeAsync();
                api = await ApiProcess.StartAsync(settings, port);
                restarts += restart.Elapsed;
                await run;
                clientsOfRound.ForEach(c => c.Dispose());
                outcomes.AddRange(workload.Outcomes);
                using var check = api.Client(token);
                List<string> found;
                (summary, found) = await InvariantCheck.RunAsync(check, store, outcomes);
                violations.AddRange(found.Select(v => $"after kill {round + 1}: {v}"));
                log?.Invoke($"  kill {round + 1}/{kills} after {killAfter} mutations: {summary.Acknowledged}/{summary.Mutations} acknowledged so far, {summary.Recovered} recovered, {found.Count} violations");
                if (found.Count > 0)
                    break;
            }
        }
        finally
        {
            await api.DisposeAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
        var unacknowledged = outcomes.Where(o => !o.Acknowledged).Select(o => $"{o.Kind} {o.Target} after {o.Attempts} attempts: {o.LastError}").ToList();
        return (new(kills, summary, restarts / Math.Max(1, kills), elapsed.Elapsed, unacknowledged), violations);
    }
}
