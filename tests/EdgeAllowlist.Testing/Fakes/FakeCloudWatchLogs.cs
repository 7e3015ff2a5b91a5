using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeAllowlist.Aws.CloudWatchLogs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeAllowlist.Testing.Fakes;

/// <summary>
/// CloudWatch Logs' FilterLogEvents (json-1.1, SigV4 <c>logs</c> in us-east-1) over a set of log
/// groups: events in [startTime, endTime], <see cref="PageSize"/> a page with an opaque nextToken,
/// and AWS's errors for an unknown group or a request it cannot read.
/// </summary>
public sealed class FakeCloudWatchLogs : IAsyncDisposable
{
    readonly ConcurrentDictionary<string, List<JsonObject>> groups = new();
    FakeAwsHost host = null!;

    public Uri Endpoint => host.Endpoint;

    public IReadOnlyCollection<RecordedRequest> Requests => host.Requests;

    public IReadOnlyCollection<string> SignatureProblems => host.SignatureProblems;

    public int PageSize { get; set; } = 100;

    /// <summary>Pages answered with no events but a nextToken, as FilterLogEvents does while it searches streams.</summary>
    public int EmptyPagesFirst { get; set; }

    /// <summary>The function's report-mode log lines as FilterLogEvents returns them (function/rollout/report-mode.filter-log-events.json), to seed a group with.</summary>
    public static JsonArray FixtureEvents() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "function", "rollout", "report-mode.filter-log-events.json")))!["events"]!.AsArray();

    public static async Task<FakeCloudWatchLogs> StartAsync()
    {
        var fake = new FakeCloudWatchLogs();
        fake.host = await FakeAwsHost.StartAsync(CloudWatchLogsClient.SigningName, CloudWatchLogsClient.FunctionLogRegion,
            (context, problem) => Error(context, 400, "InvalidSignatureException", problem), app => app.MapPost("/", fake.Handle));
        return fake;
    }

    /// <summary>The events of a <c>filter-log-events</c> JSON document, as the group's content.</summary>
    public void Seed(string logGroupName, JsonArray events) => groups[logGroupName] = [.. events.Select(e => (JsonObject)e!.DeepClone())];

    /// <summary>How many calls are answered 400 ThrottlingException (json-1.1, the type in the body) before any is served.</summary>
    public int ThrottleNext { get; set; }

    async Task Handle(HttpContext context)
    {
        if (ThrottleNext > 0)
        {
            ThrottleNext--;
            await Error(context, 400, "ThrottlingException", "Rate exceeded");
            return;
        }
        if (context.Request.Headers["X-Amz-Target"] != CloudWatchLogsClient.Target || context.Request.ContentType != "application/x-amz-json-1.1")
        {
            await Error(context, 400, "UnknownOperationException", "X-Amz-Target and Content-Type must name FilterLogEvents in json-1.1.");
            return;
        }
        var request = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var name = request["logGroupName"]?.GetValue<string>() ?? "";
        if (!groups.TryGetValue(name, out var events))
        {
            await Error(context, 400, "ResourceNotFoundException", "The specified log group does not exist.");
            return;
        }
        var start = request["startTime"]?.GetValue<long>() ?? 0;
        var end = request["endTime"]?.GetValue<long>() ?? long.MaxValue;
        var offset = request["nextToken"] is { } token ? int.Parse(token.GetValue<string>()[5..], System.Globalization.CultureInfo.InvariantCulture) : -EmptyPagesFirst;
        var window = events.Where(e => e["timestamp"]!.GetValue<long>() is var t && t >= start && t <= end).ToList();
        var page = offset < 0 ? [] : window.Skip(offset).Take(PageSize).ToList();
        var next = offset < 0 ? offset + 1 : offset + PageSize;
        var body = new JsonObject { ["events"] = new JsonArray([.. page.Select(e => (JsonNode)e.DeepClone())]), ["searchedLogStreams"] = new JsonArray() };
        if (next < window.Count)
            body["nextToken"] = $"page-{next}";
        await Json(context, 200, body);
    }

    static Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        return context.Response.WriteAsync(body.ToJsonString());
    }

    static Task Error(HttpContext context, int status, string type, string message) =>
        Json(context, status, new JsonObject { ["__type"] = $"com.amazonaws.logs#{type}", ["message"] = message });

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
