using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Reliability;

/// <summary>What one mutation asked for and how it ended for the client, after its retries.</summary>
public sealed record MutationOutcome(int Client, string Kind, string Target, string Key, bool Acknowledged, int Attempts, string? SecretId, string? LastError);

/// <summary>
/// Mixed mutations from concurrent clients that behave like careful CI jobs: every POST carries an
/// Idempotency-Key, and a 5xx, 408, 409, 429 or a lost connection is retried with the same key and
/// backoff. Each client owns its origins (added at most once, deleted at most once) and its partner,
/// so the expected end state of every target follows from that client's own outcomes.
/// <paramref name="maxAttempts"/> bounds the answered failures (5xx, 408, 409, 429); a connection
/// that fails because the API is down or restarting does not use them up, only
/// <see cref="RestartPatience"/> does, so how long a restart takes on a loaded machine does not
/// decide whether a mutation is acknowledged.
/// </summary>
public sealed class MutationWorkload(string runId, int clients, int mutationsPerClient, int maxAttempts = 12)
{
    /// <summary>How long a client keeps retrying while the API does not answer at all.</summary>
    public static readonly TimeSpan RestartPatience = TimeSpan.FromMinutes(3);

    public const string DistributionDomain = "d111111abcdef8.cloudfront.net";
    public const string OriginAdd = "origin.add";
    public const string OriginDelete = "origin.delete";
    public const string SecretCreate = "secret.create";
    public const string SecretRotate = "secret.rotate";
    public const string SettingsUpdate = "settings.update";

    /// <summary>A delete whose retry found the origin gone: done by an earlier attempt, or never added (its add failed).</summary>
    public const string AbsentOnRetry = "absent on retry";

    readonly ConcurrentBag<MutationOutcome> outcomes = [];
    int completed;

    public IReadOnlyCollection<MutationOutcome> Outcomes => outcomes;

    /// <summary>Mutations finished so far (acknowledged or given up), for drivers that act part-way through.</summary>
    public int Completed => Volatile.Read(ref completed);

    public static string Partner(string runId, int client) => $"rel-{runId}-{client}";

    /// <summary>Creates each client's partner (outside the measured mutations).</summary>
    public async Task PrepareAsync(HttpClient http)
    {
        for (var c = 0; c < clients; c++)
        {
            var response = await SendWithRetriesAsync(http, () => Json(HttpMethod.Post, "/v1/partners", new { id = Partner(runId, c), scope = "manifests" }), $"{runId}-partner-{c}");
            if (response.Status is not (HttpStatusCode.Created or HttpStatusCode.OK))
                throw new InvalidOperationException($"Could not create partner {Partner(runId, c)}: {response.Status} {response.Error}");
        }
    }

    public Task RunAsync(Func<int, HttpClient> clientFor, CancellationToken cancellationToken = default) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => RunClientAsync(c, clientFor(c), cancellationToken), cancellationToken)));

    async Task RunClientAsync(int client, HttpClient http, CancellationToken cancellationToken)
    {
        var random = new Random(HashCode.Combine(runId, client));
        var added = new List<string>();
        var partner = Partner(runId, client);
        for (var i = 0; i < mutationsPerClient && !cancellationToken.IsCancellationRequested; i++)
        {
            var key = $"{runId}-{client}-{i}";
            var roll = random.Next(100);
            MutationOutcome outcome;
            if (roll < 20 && added.Count > 0)
            {
                var origin = added[random.Next(added.Count)];
                added.Remove(origin);
                // Forced: deleting a live origin flips its built-in browser expectation; this workload proves durability, not the check.
                var result = await SendWithRetriesAsync(http, () => new(HttpMethod.Delete, "/v1/origins/" + origin + "?force=true"), null);
                // A retry of a delete whose earlier attempt landed finds nothing to delete: the wanted state holds.
                var done = result.Status == HttpStatusCode.NoContent || (result.Status == HttpStatusCode.NotFound && result.Attempts > 1);
                outcome = new(client, OriginDelete, origin, key, done, result.Attempts, null,
                    result.Status == HttpStatusCode.NotFound && done ? AbsentOnRetry : done ? null : result.Error);
            }
            else if (roll < 32)
            {
                outcome = await SecretAsync(http, client, SecretCreate, $"/v1/partners/{partner}/secrets", new { distributionDomain = DistributionDomain }, key, partner);
            }
            else if (roll < 40)
            {
                outcome = await SecretAsync(http, client, SecretRotate, $"/v1/partners/{partner}/secrets/rotate", new { distributionDomain = DistributionDomain, graceSeconds = 3600 }, key, partner);
            }
            else if (roll < 55)
            {
                var result = await SendWithRetriesAsync(http, () => Json(HttpMethod.Patch, "/v1/settings", new { publicPaths = new[] { "/healthz", SettingsMarker(key) } }), null);
                outcome = new(client, SettingsUpdate, "cfg", key, result.Status == HttpStatusCode.OK, result.Attempts, null, result.Error);
            }
            else
            {
                var origin = $"https://{key}.rel.example";
                added.Add(origin);
                var result = await SendWithRetriesAsync(http, () => Json(HttpMethod.Post, "/v1/origins", new { origin }), key);
                outcome = new(client, OriginAdd, origin, key, result.Status is HttpStatusCode.Created or HttpStatusCode.OK, result.Attempts, null, result.Error);
            }
            outcomes.Add(outcome);
            Interlocked.Increment(ref completed);
        }
    }

    /// <summary>The public path a settings mutation adds, unique per mutation so each one is a real change.</summary>
    public static string SettingsMarker(string key) => "/r/" + key;

    async Task<MutationOutcome> SecretAsync(HttpClient http, int client, string kind, string path, object body, string key, string partner)
    {
        var result = await SendWithRetriesAsync(http, () => Json(HttpMethod.Post, path, body), key);
        var acknowledged = result.Status == HttpStatusCode.Created;
        var id = acknowledged ? JsonNode.Parse(result.Body!)!["id"]!.GetValue<string>() : null;
        return new(client, kind, partner, key, acknowledged, result.Attempts, id, result.Error);
    }

    static HttpRequestMessage Json(HttpMethod method, string path, object body) => new(method, path) { Content = JsonContent.Create(body) };

    sealed record Result(HttpStatusCode? Status, string? Body, int Attempts, string? Error);

    async Task<Result> SendWithRetriesAsync(HttpClient http, Func<HttpRequestMessage> request, string? idempotencyKey)
    {
        string? error = null;
        HttpStatusCode? status = null;
        var answeredFailures = 0;
        var unanswered = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var message = request();
                if (idempotencyKey is not null)
                    message.Headers.Add("Idempotency-Key", idempotencyKey);
                using var response = await http.SendAsync(message);
                var body = await response.Content.ReadAsStringAsync();
                status = response.StatusCode;
                var code = (int)status;
                if (code is < 500 and not (408 or 409 or 429))
                    return new(status, body, attempt, response.IsSuccessStatusCode ? null : $"{code} {body}");
                error = $"{code} {body}";
                answeredFailures++;
                unanswered.Restart();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                status = null;
                error = e.GetType().Name + ": " + e.Message;
            }
            if (answeredFailures >= maxAttempts)
                return new(status, null, attempt, error);
            if (status is null && unanswered.Elapsed > RestartPatience)
                return new(status, null, attempt, $"the API did not answer for {RestartPatience.TotalMinutes} minutes; last: {error}");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 25 << Math.Min(attempt, 6)) * (0.5 + Random.Shared.NextDouble())));
        }
    }
}
