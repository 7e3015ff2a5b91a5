using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeAllowlist.Aws.MediaTailor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeAllowlist.Testing.Fakes;

/// <summary>
/// MediaTailor's playback-configuration API (rest-json, SigV4 <c>mediatailor</c>): Put replaces the
/// whole configuration, so a field left out is gone afterwards, as on AWS; a response-only field in a
/// Put is refused with BadRequestException.
/// </summary>
public sealed class FakeMediaTailor : IAsyncDisposable
{
    public const string Region = "eu-west-1";

    readonly ConcurrentDictionary<string, JsonObject> configurations = new();
    readonly ConcurrentDictionary<string, JsonObject> newerMembers = new();
    FakeAwsHost host = null!;

    public Uri Endpoint => host.Endpoint;

    public IReadOnlyCollection<RecordedRequest> Requests => host.Requests;

    public IReadOnlyCollection<string> SignatureProblems => host.SignatureProblems;

    /// <summary>When set, every Put answers this status instead of storing the configuration.</summary>
    public int? FailPutsWith { get; set; }

    /// <summary>When set, a Put stores everything but this field, like a service that quietly ignores a setting.</summary>
    public string? IgnoreOnPut { get; set; }

    /// <summary>The settable fields as stored (what a later Get returns, minus the response-only fields).</summary>
    public JsonObject Stored(string name) => configurations[name];

    public static async Task<FakeMediaTailor> StartAsync()
    {
        var fake = new FakeMediaTailor();
        fake.host = await FakeAwsHost.StartAsync("mediatailor", Region,
            (context, problem) => Error(context, 403, "ForbiddenException", problem), fake.Map);
        return fake;
    }

    /// <summary>
    /// A member a newer MediaTailor model has (BeaconingConfiguration, say): Get returns it, and a
    /// Put from a client that does not know it resets it, as Put replaces the whole configuration.
    /// </summary>
    public void SeedNewerMember(string name, string member, JsonNode value) =>
        newerMembers.GetOrAdd(name, _ => [])[member] = value.DeepClone();

    /// <summary>The newer-model members still set on <paramref name="name"/>.</summary>
    public JsonObject NewerMembers(string name) => newerMembers.GetValueOrDefault(name) ?? [];

    public void Seed(JsonObject settable) => configurations[settable["Name"]!.GetValue<string>()] = (JsonObject)settable.DeepClone();

    /// <summary>How many calls are answered 429 TooManyRequestsException before any is served, as MediaTailor throttles.</summary>
    public int ThrottleNext { get; set; }

    void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (ThrottleNext > 0)
            {
                ThrottleNext--;
                await Error(context, 429, "TooManyRequestsException", "Too many requests.");
                return;
            }
            await next(context);
        });
        app.MapGet("/playbackConfiguration/{name}", (HttpContext context, string name) =>
            configurations.TryGetValue(name, out var stored)
                ? Json(context, 200, WithNewerMembers(name, WithResponseOnlyFields(stored)))
                : Error(context, 404, "NotFoundException", $"Playback configuration {name} not found."));
        app.MapPut("/playbackConfiguration", Put);
    }

    async Task Put(HttpContext context)
    {
        if (!context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) ?? true)
        {
            await Error(context, 400, "BadRequestException", "Content-Type must be application/json.");
            return;
        }
        if (await JsonNode.ParseAsync(context.Request.Body) is not JsonObject body || body["Name"]?.GetValue<string>() is not { Length: > 0 } name)
        {
            await Error(context, 400, "BadRequestException", "Name is required.");
            return;
        }
        if (body.Select(field => field.Key).FirstOrDefault(key => !PlaybackConfigurationUpdate.SettableFields.Contains(key)) is { } unknown)
        {
            await Error(context, 400, "BadRequestException", $"Unexpected field {unknown}.");
            return;
        }
        if (body["DashConfiguration"] is JsonObject dash && dash.ContainsKey("ManifestEndpointPrefix"))
        {
            await Error(context, 400, "BadRequestException", "DashConfiguration.ManifestEndpointPrefix cannot be set.");
            return;
        }
        if (FailPutsWith is { } status)
        {
            await Error(context, status, status >= 500 ? "InternalServerErrorException" : "BadRequestException", "Put refused by the test.");
            return;
        }
        if (IgnoreOnPut is not null)
            body.Remove(IgnoreOnPut);
        configurations[name] = body;
        newerMembers.TryRemove(name, out _);
        await Json(context, 200, WithResponseOnlyFields(body));
    }

    JsonObject WithNewerMembers(string name, JsonObject response)
    {
        foreach (var (member, value) in NewerMembers(name))
            response[member] = value?.DeepClone();
        return response;
    }

    static JsonObject WithResponseOnlyFields(JsonObject settable)
    {
        var name = settable["Name"]!.GetValue<string>();
        var response = (JsonObject)settable.DeepClone();
        response["PlaybackConfigurationArn"] = $"arn:aws:mediatailor:{Region}:123456789012:playbackConfiguration/{name}";
        response["PlaybackEndpointPrefix"] = "https://abc.mediatailor.eu-west-1.amazonaws.com";
        response["SessionInitializationEndpointPrefix"] = $"https://abc.mediatailor.eu-west-1.amazonaws.com/v1/session/hash/{name}/";
        response["HlsConfiguration"] = new JsonObject { ["ManifestEndpointPrefix"] = $"https://abc.mediatailor.eu-west-1.amazonaws.com/v1/master/hash/{name}/" };
        response["LogConfiguration"] = new JsonObject { ["PercentEnabled"] = 100 };
        if (response["DashConfiguration"] is JsonObject dash)
            dash["ManifestEndpointPrefix"] = $"https://abc.mediatailor.eu-west-1.amazonaws.com/v1/dash/hash/{name}/";
        return response;
    }

    static Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        return context.Response.WriteAsync(body.ToJsonString());
    }

    static Task Error(HttpContext context, int status, string type, string message)
    {
        context.Response.Headers["x-amzn-ErrorType"] = $"{type}:http://internal.amazon.com/coral/com.amazonaws.mediatailor/";
        return Json(context, status, new JsonObject { ["Message"] = message });
    }

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
