using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Health.Ready;

/// <summary>Ready when the database answers, the store answers and the writer has read the store.</summary>
sealed class Endpoint(IDatabase database, IKeyValueStore store, StoreWriter writer) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/readyz");
        RoutePrefixOverride(string.Empty);
        AllowAnonymous();
        Summary(s => s.Summary = "Readiness: database and key value store reachable, writer started.");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var databaseStatus = await Probe(async () =>
        {
            await using var connection = await database.OpenAsync(ct);
            await connection.ScalarAsync("SELECT 1", cancellationToken: ct);
        });
        var storeStatus = await Probe(() => store.DescribeAsync(ct));
        var writerStatus = writer.IsStarted ? "ok" : "starting";
        var response = new Response(databaseStatus, storeStatus, writerStatus);
        await Send.ResponseAsync(response, response.IsReady ? 200 : 503, ct);
    }

    static async Task<string> Probe(Func<Task> probe)
    {
        try
        {
            await probe();
            return "ok";
        }
        catch (Exception e) when (e is DbException or KvsException or IOException or InvalidOperationException)
        {
            return "unreachable";
        }
    }
}

sealed record Response(string Database, string Store, string Writer)
{
    public bool IsReady => Database == "ok" && Store == "ok" && Writer == "ok";
}
