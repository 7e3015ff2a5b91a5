using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeAllowlist.Emulator;

/// <summary>
/// The KVS data plane's wire protocol (rest-json, 2022-07-26) on local stores: routes from the raw
/// request target (labels percent-decoded), SigV4a check, injected faults, AWS error shape.
/// </summary>
public sealed class KvsProtocol(StoreRegistry stores, SigV4aVerifier verifier, FaultInjector faults, ILogger<KvsProtocol> logger)
{
    public const string PathPrefix = "/key-value-stores/";

    // Far above the 3 MB UpdateKeys quota, so oversized batches still reach the quota check.
    const int MaxBodyBytes = 8 * 1024 * 1024;

    public async Task HandleAsync(HttpContext context)
    {
        context.Response.Headers["x-amzn-requestid"] = Guid.NewGuid().ToString();
        try
        {
            var body = await ReadBodyAsync(context.Request);
            var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
            var check = verifier.Verify(context.Request.Method, rawTarget, HeaderLines(context.Request), body);
            if (!check.IsValid)
            {
                await WriteErrorAsync(context, HttpStatusCode.Forbidden, check.ErrorCode, check.Message);
                return;
            }

            if (faults.Latency > TimeSpan.Zero) await Task.Delay(faults.Latency, context.RequestAborted);
            if (faults.InjectedError() is { } status)
            {
                await WriteErrorAsync(context, (HttpStatusCode)status, InjectedErrorCode(status), $"Injected fault: {status}.");
                return;
            }

            await DispatchAsync(context, rawTarget, body);
        }
        catch (KvsException e)
        {
            await WriteErrorAsync(context, e.StatusCode, e.ErrorCode, e.Message);
        }
        catch (JsonException e)
        {
            await WriteErrorAsync(context, HttpStatusCode.BadRequest, "ValidationException", $"The request body is not valid JSON for this operation: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            // Still the AWS error shape, so clients see InternalServerException rather than an empty 500.
            logger.LogError(e, "Unexpected failure in {Method} {Path}", context.Request.Method, context.Request.Path);
            await WriteErrorAsync(context, HttpStatusCode.InternalServerError, "InternalServerException", "The emulator failed unexpectedly; see its log.");
        }
    }

    async Task DispatchAsync(HttpContext context, string rawTarget, byte[] body)
    {
        var queryStart = rawTarget.IndexOf('?');
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var segments = path[PathPrefix.Length..].Split('/');
        var method = context.Request.Method;
        var route = (method, segments.Length, segments.Length > 1 ? segments[1] : null);

        var arn = Uri.UnescapeDataString(segments[0]);
        var store = stores.Find(arn) ?? throw KvsException.NotFound($"Key value store {arn} was not found.");
        var key = segments.Length == 3 ? Uri.UnescapeDataString(segments[2]) : null;

        switch (route)
        {
            case ("GET", 1, _):
                await DescribeAsync(context, store);
                break;
            case ("GET", 2, "keys"):
                await ListAsync(context, store);
                break;
            case ("POST", 2, "keys"):
                var update = Parse(body, KvsWireJson.Default.UpdateKeysRequestBody);
                var puts = (update.Puts ?? []).Select((p, i) => p is null ? throw KvsException.Validation($"Puts[{i}] is null.") : new KeyValueItem(p.Key, p.Value)).ToList();
                var deletes = (update.Deletes ?? []).Select((d, i) => d?.Key ?? throw KvsException.Validation($"Deletes[{i}] needs a Key.")).ToList();
                await WriteAsync(context, store, puts, deletes);
                break;
            case ("GET", 3, "keys"):
                var item = await store.GetAsync(key!) ?? throw KvsException.NotFound($"Key {key} was not found.");
                var totals = await store.DescribeAsync();
                await WriteJsonAsync(context, new(item.Key, item.Value, (int)totals.ItemCount, totals.TotalSizeInBytes), KvsWireJson.Default.GetKeyBody);
                break;
            case ("PUT", 3, "keys"):
                var value = Parse(body, KvsWireJson.Default.PutKeyRequestBody).Value ?? throw KvsException.Validation("Value is required.");
                await WriteAsync(context, store, [new(key!, value)], []);
                break;
            case ("DELETE", 3, "keys"):
                await WriteAsync(context, store, [], [key!]);
                break;
            default:
                await WriteErrorAsync(context, HttpStatusCode.NotFound, "UnknownOperationException", $"No operation matches {method} {path}.");
                break;
        }
    }

    static async Task DescribeAsync(HttpContext context, LocalKeyValueStore store)
    {
        var d = await store.DescribeAsync();
        context.Response.Headers.ETag = d.ETag;
        var body = new DescribeKeyValueStoreBody(
            (int)d.ItemCount, d.TotalSizeInBytes, d.KvsArn, EpochSeconds.From(d.Created),
            d.LastModified is { } modified ? EpochSeconds.From(modified) : null, d.Status, d.FailureReason);
        await WriteJsonAsync(context, body, KvsWireJson.Default.DescribeKeyValueStoreBody);
    }

    async Task ListAsync(HttpContext context, LocalKeyValueStore store)
    {
        var query = context.Request.Query;
        int? maxResults = null;
        if (query.TryGetValue("MaxResults", out var max))
        {
            maxResults = int.TryParse(max, out var parsed) ? parsed : throw KvsException.Validation($"MaxResults '{max}' is not an integer.");
        }

        var nextToken = query.TryGetValue("NextToken", out var token) ? token.ToString() : null;
        var page = await store.ListAsync(nextToken, maxResults);
        // Before the page is answered, so the client's next call already finds the store moved past its listing.
        if (page.NextToken is null && faults.EditAfterListing()) await EditAsync(store, context.RequestAborted);
        await WriteJsonAsync(context, new(page.NextToken, page.Items.Select(i => new ListKeysItem(i.Key, i.Value)).ToList()), KvsWireJson.Default.ListKeysBody);
    }

    /// <summary>
    /// An edit by "someone else" (<see cref="FaultSettings.EditAfterListingRate"/>), through the store like any
    /// write: a put of a key named after the version it makes, so each edit is a new key. Another writer
    /// winning in between only means the edit is planned again on the ETag that writer made.
    /// </summary>
    async Task EditAsync(LocalKeyValueStore store, CancellationToken cancellationToken)
    {
        while (true)
        {
            var before = await store.DescribeAsync(cancellationToken);
            var key = $"emulator-edit-{(before.Version ?? 0) + 1}";
            try
            {
                await store.UpdateKeysAsync(before.ETag, [new(key, $"put by the emulator after a listing (fault {nameof(FaultSettings.EditAfterListingRate)})")], [], cancellationToken);
                logger.LogInformation("Injected fault: edited the store after a listing ({Key})", key);
                return;
            }
            catch (KvsException e) when (e.Kind == KvsErrorKind.Conflict)
            {
            }
        }
    }

    async Task WriteAsync(HttpContext context, LocalKeyValueStore store, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes)
    {
        var ifMatch = context.Request.Headers.IfMatch.ToString();
        if (ifMatch.Length == 0) throw KvsException.Validation("If-Match is required.");

        var fault = faults.NextWriteFault();
        if (fault == WriteFault.Conflict) throw KvsException.Conflict("Injected fault: the store changed since the ETag was read.");

        var result = await store.UpdateKeysAsync(ifMatch, puts, deletes);
        switch (fault)
        {
            case WriteFault.FailAfterApply:
                await WriteErrorAsync(context, HttpStatusCode.InternalServerError, "InternalServerException", "Injected fault after the write was applied.");
                return;
            case WriteFault.DropAfterApply:
                context.Abort();
                return;
        }

        context.Response.Headers.ETag = result.ETag;
        await WriteJsonAsync(context, new((int)result.ItemCount, result.TotalSizeInBytes), KvsWireJson.Default.WriteBody);
    }

    static T Parse<T>(byte[] body, JsonTypeInfo<T> type) =>
        body.Length == 0 ? throw KvsException.Validation("A JSON body is required.") : JsonSerializer.Deserialize(body, type) ?? throw KvsException.Validation("A JSON object is required.");

    static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxBodyBytes) throw KvsException.QuotaExceeded($"The request body is over {MaxBodyBytes} bytes.");
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.Length > MaxBodyBytes ? throw KvsException.QuotaExceeded($"The request body is over {MaxBodyBytes} bytes.") : buffer.ToArray();
    }

    static List<HeaderLine> HeaderLines(HttpRequest request) =>
        request.Headers.SelectMany(h => h.Value.Select(v => new HeaderLine(h.Key, v ?? ""))).ToList();

    static string InjectedErrorCode(int status) => status switch
    {
        400 => "ValidationException",
        402 => "ServiceQuotaExceededException",
        403 => "AccessDeniedException",
        404 => "ResourceNotFoundException",
        409 => "ConflictException",
        429 => "ThrottlingException",
        503 => "ServiceUnavailableException",
        >= 500 => "InternalServerException",
        _ => "ValidationException",
    };

    static Task WriteJsonAsync<T>(HttpContext context, T body, JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, type, context.RequestAborted);
    }

    /// <summary>AWS's rest-json error shape: the code in x-amzn-errortype, the message in the body.</summary>
    public static Task WriteErrorAsync(HttpContext context, HttpStatusCode status, string code, string message)
    {
        context.Response.StatusCode = (int)status;
        context.Response.Headers["x-amzn-errortype"] = code;
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new(message), KvsWireJson.Default.ErrorBody, context.RequestAborted);
    }
}
