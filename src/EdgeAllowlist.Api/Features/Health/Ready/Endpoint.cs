using EdgeAllowlist.Api.Infrastructure.Outages;
using EdgeAllowlist.Api.Infrastructure.Readiness;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Health.Ready;

/// <summary>
/// Ready when the database takes writes and its schema is checked, the store answers and takes
/// writes, the writer has read the store, and no check has reported a condition
/// (<see cref="ServiceReadiness"/>). Each dependency is probed on every call, so readiness returns by
/// itself once the dependency does (and a local store faulted by a full disk heals on the probe).
/// </summary>
sealed class Endpoint(IDatabase database, DatabaseStartup startup, ServiceReadiness readiness, IKeyValueStore store, StoreWriter writer) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/readyz");
        RoutePrefixOverride(string.Empty);
        AllowAnonymous();
        Description(b => b.Produces<Response>(503, "application/json"));
        Summary(s => s.Summary = "Readiness: database writable, sound and its schema checked, key value store reachable and writable, writer started, no check reporting a problem; 503 with Retry-After names what is not.");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var problems = new List<string>();
        var databaseStatus = await Probe(DependencyUnavailableException.Database, () => database.CheckWritableAsync(ct), problems);
        if (database.Damage is not null)
            databaseStatus = Damaged;
        else if (databaseStatus == "ok" && !startup.IsReady)
            databaseStatus = Starting;
        var storeStatus = await Probe(DependencyUnavailableException.Store, () => store.DescribeAsync(ct), problems);
        var writableStatus = storeStatus == "ok" ? await Probe("store writes", () => store.CheckWritableAsync(ct), problems, NotWritable) : storeStatus;
        var writerStatus = writer.Rollback is not null ? "store rolled back" : writer.IsStarted ? "ok" : "starting";
        if (writer.Rollback is { } rollback)
            problems.Add($"store: {rollback.Message}");
        problems.AddRange(readiness.Problems);
        var response = new Response(databaseStatus, storeStatus, writableStatus, writerStatus, problems);
        if (!response.IsReady)
            HttpContext.Response.Headers.RetryAfter = OutageMiddleware.RetryAfter.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Send.ResponseAsync(response, response.IsReady ? 200 : 503, ct);
    }

    const string NotWritable = "not writable";
    const string Damaged = "damaged";
    const string Starting = "starting";

    /// <summary>"ok", or <paramref name="failed"/> (an I/O error, e.g. a full disk, is always "not writable") with the reason in <paramref name="problems"/>.</summary>
    static async Task<string> Probe(string name, Func<Task> probe, List<string> problems, string failed = "unreachable")
    {
        try
        {
            await probe();
            return "ok";
        }
        catch (Exception e) when (e is DbException or KvsException or IOException or InvalidOperationException or TimeoutException)
        {
            problems.Add($"{name}: {e.Message}");
            return e is IOException ? NotWritable : failed;
        }
    }
}

/// <param name="Database">"ok", "unreachable", "not writable" (its disk is full or read-only), "starting" (reachable, schema not checked yet) or "damaged" (a SQLite file found damaged; restore it).</param>
/// <param name="Store">"ok" or "unreachable".</param>
/// <param name="StoreWritable">"ok", "not writable" (the local store's folder is full) or "unreachable".</param>
/// <param name="Writer">"ok" once the writer has read the store, "store rolled back" while the store is older than what the database acknowledged, else "starting".</param>
/// <param name="Problems">What failed, one line per dependency or condition; empty exactly when ready.</param>
sealed record Response(string Database, string Store, string StoreWritable, string Writer, IReadOnlyList<string> Problems)
{
    public bool IsReady => Database == "ok" && Store == "ok" && StoreWritable == "ok" && Writer == "ok" && Problems.Count == 0;
}
