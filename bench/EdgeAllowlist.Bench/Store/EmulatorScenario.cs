using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Emulator;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Bench.Store;

/// <summary>
/// The emulator over loopback HTTP through the AWS client: 50-key UpdateKeys throughput (each call
/// signed, verified, fsynced), then what the client adds per call compared with replaying one
/// pre-signed request through a bare HttpClient, then signing and serialising alone.
/// </summary>
public sealed class EmulatorScenario : IScenario
{
    const string Arn = "arn:aws:cloudfront::123456789012:key-value-store/0e2a1c34-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    public string Name => "store-emulator";

    public string Description => "emulator over HTTP: 50-key UpdateKeys calls/s and keys/s, client overhead per call [seconds per phase=8]";

    public async Task<int> RunAsync(string[] args)
    {
        var phase = TimeSpan.FromSeconds(args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 8);
        var folder = Directory.CreateTempSubdirectory("edge-allowlist-bench-emulator-").FullName;
        var app = EmulatorHost.Create(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], o =>
        {
            o.DataPath = folder;
            o.Stores = [Arn];
            o.Credentials = [new() { AccessKeyId = "AKIDEXAMPLE", SecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" }];
        });
        try
        {
            await app.StartAsync();
            var address = EmulatorHost.ListeningAddress(app).ToString();
            using var http = new HttpClient();
            using var client = new KeyValueStoreClient(
                new() { Arn = Arn, EndpointOverride = address, UseEndpointOverrideVerbatim = true, MaxAttempts = 1 }, Credentials, http);

            await UpdateKeysThroughputAsync(client, phase);
            await ClientOverheadAsync(client, http, address, phase / 2);
            SigningAndSerialisation(address);
            return 0;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    static async Task UpdateKeysThroughputAsync(KeyValueStoreClient client, TimeSpan phase)
    {
        var value = new string('v', 200);
        var latencies = new List<double>();
        var etag = (await client.DescribeAsync()).ETag;
        var total = Stopwatch.StartNew();
        for (var batch = 0; total.Elapsed < phase; batch++)
        {
            // 2,000 distinct keys, so the store stays far below 5 MB however long the run.
            var puts = Enumerable.Range(0, KvsLimits.MaxKeysPerUpdate)
                .Select(i => new KeyValueItem($"o:https://host-{(batch * KvsLimits.MaxKeysPerUpdate + i) % 2000:D4}.example.com", value))
                .ToArray();
            var started = Stopwatch.GetTimestamp();
            etag = (await client.UpdateKeysAsync(etag, puts, [])).ETag;
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        total.Stop();
        latencies.Sort();
        var calls = latencies.Count;
        Console.WriteLine($"UpdateKeys via client + emulator (50 keys x ~230 B, sequential, ETag chained): {calls} calls in {total.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"  {calls / total.Elapsed.TotalSeconds:F0} calls/s = {calls * KvsLimits.MaxKeysPerUpdate / total.Elapsed.TotalSeconds:F0} keys/s");
        Console.WriteLine($"  latency ms: p50 {latencies[calls / 2]:F2}  p99 {latencies[(int)(calls * 0.99)]:F2}  max {latencies[^1]:F2}");
    }

    static async Task ClientOverheadAsync(KeyValueStoreClient client, HttpClient http, string address, TimeSpan phase)
    {
        // One DescribeKeyValueStore signed once and replayed: the emulator still verifies it every time,
        // so the difference between the two loops is what the client adds (build, sign, parse).
        var uri = $"{address.TrimEnd('/')}/key-value-stores/{CanonicalRequest.UriEncode(Arn)}";
        using var template = new HttpRequestMessage(HttpMethod.Get, uri);
        SigV4aSigner.Sign(template, [], Credentials.GetCredentials(), KeyValueStoreClient.SigningName, DateTime.UtcNow);
        var headers = template.Headers.NonValidated.ToDictionary(h => h.Key, h => h.Value.ToString());

        var raw = await CallsPerSecondAsync(phase, async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
        });
        var viaClient = await CallsPerSecondAsync(phase, () => client.DescribeAsync());

        Console.WriteLine($"DescribeKeyValueStore: pre-signed bare HttpClient {raw:F0} calls/s, KeyValueStoreClient {viaClient:F0} calls/s");
        Console.WriteLine($"  client overhead per call: {(1_000_000 / viaClient) - (1_000_000 / raw):F0} µs");
    }

    static async Task<double> CallsPerSecondAsync(TimeSpan phase, Func<Task> call)
    {
        for (var i = 0; i < 200; i++) await call();
        var calls = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < phase)
        {
            await call();
            calls++;
        }

        return calls / clock.Elapsed.TotalSeconds;
    }

    static void SigningAndSerialisation(string address)
    {
        var credentials = Credentials.GetCredentials();
        var body = new UpdateKeysRequestBody(
            Enumerable.Range(0, KvsLimits.MaxKeysPerUpdate).Select(i => new ListKeysItem($"o:https://host-{i:D4}.example.com", new string('v', 200))).ToList(),
            null);
        var uri = $"{address.TrimEnd('/')}/key-value-stores/{CanonicalRequest.UriEncode(Arn)}/keys";

        const int rounds = 5_000;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++) JsonSerializer.SerializeToUtf8Bytes(body, KvsWireJson.Default.UpdateKeysRequestBody);
        var serialise = clock.Elapsed.TotalMicroseconds / rounds;

        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, KvsWireJson.Default.UpdateKeysRequestBody);
        clock.Restart();
        for (var i = 0; i < rounds; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(bytes) };
            request.Headers.TryAddWithoutValidation("If-Match", "ETAG");
            SigV4aSigner.Sign(request, bytes, credentials, KeyValueStoreClient.SigningName, DateTime.UtcNow);
        }

        var sign = clock.Elapsed.TotalMicroseconds / rounds;
        Console.WriteLine($"Per 50-key UpdateKeys ({bytes.Length} B body): serialise {serialise:F1} µs, build + SigV4a sign {sign:F1} µs");
    }
}
