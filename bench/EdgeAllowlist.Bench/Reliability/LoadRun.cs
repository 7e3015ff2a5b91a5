using System.Diagnostics;
using System.Net.Http.Json;

namespace EdgeAllowlist.Reliability;

/// <summary>Figures of a sustained-load run.</summary>
public sealed record LoadFigures(
    int Requests, int Errors, double RequestsPerSecond, double P50Milliseconds, double P99Milliseconds,
    IReadOnlyDictionary<string, int> ByKind, IReadOnlyList<long> WorkingSetSamples, string? FirstError);

/// <summary>
/// Mixed traffic from a bounded loop on loopback: rule reads, settings, simulate (the real function
/// run by Jint), audit queries and origin writes (each worker adds and deletes, so the store stays
/// the same size and memory has no honest reason to grow). Stops by itself after the given time.
/// </summary>
public static class LoadRun
{
    public static async Task<LoadFigures> RunAsync(ApiProcess api, string token, TimeSpan duration, int workers)
    {
        var latencies = new List<double>[workers];
        var kinds = new Dictionary<string, int>[workers];
        var errors = 0;
        string? firstError = null;
        var samples = new List<long>();
        using var stop = new CancellationTokenSource(duration);
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (api.WorkingSetBytes() is { } bytes)
                    samples.Add(bytes);
                try
                {
                    await Task.Delay(1000, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            using var http = api.Client(token);
            var random = new Random(w);
            var mine = new Queue<string>();
            var local = latencies[w] = new(capacity: 1 << 14);
            var counts = kinds[w] = [];
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var roll = random.Next(100);
                var (kind, request) = roll switch
                {
                    < 40 => ("list origins", new HttpRequestMessage(HttpMethod.Get, "/v1/origins?limit=20")),
                    < 50 => ("settings", new HttpRequestMessage(HttpMethod.Get, "/v1/settings")),
                    < 65 => ("simulate", new HttpRequestMessage(HttpMethod.Post, "/v1/simulate")
                    {
                        Content = JsonContent.Create(new
                        {
                            uri = "/v1/master/a.m3u8",
                            headers = new Dictionary<string, string> { ["origin"] = mine.Count > 0 ? mine.Peek() : "https://nobody.example", ["user-agent"] = "Mozilla/5.0" },
                        }),
                    }),
                    < 75 => ("audit query", new HttpRequestMessage(HttpMethod.Get, "/v1/audit?action=origin.add&limit=50")),
                    // Forced: deleting a live origin flips its built-in browser expectation; this run measures load, not the check.
                    _ when mine.Count >= 10 => ("origin delete", new HttpRequestMessage(HttpMethod.Delete, "/v1/origins/" + mine.Dequeue() + "?force=true")),
                    _ => ("origin add", Add(mine, w, i)),
                };
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, $"{kind}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", null);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{kind}: {e.Message}", null);
                }
                finally
                {
                    request.Dispose();
                }
                local.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                counts[kind] = counts.GetValueOrDefault(kind) + 1;
            }
        })));
        var elapsed = clock.Elapsed;
        await sampler;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var byKind = kinds.SelectMany(k => k).GroupBy(k => k.Key).ToDictionary(g => g.Key, g => g.Sum(k => k.Value));
        return new(all.Length, errors, all.Length / elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), byKind, samples, firstError);
    }

    static HttpRequestMessage Add(Queue<string> mine, int worker, int i)
    {
        var origin = $"https://load-{worker}-{i}.rel.example";
        mine.Enqueue(origin);
        return new(HttpMethod.Post, "/v1/origins") { Content = JsonContent.Create(new { origin }) };
    }

    static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
