using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.DesiredState;

/// <summary>The desired-state routes as the tests call them, with the JSON kept as the API wrote it.</summary>
static class DesiredStateCalls
{
    public static async Task<JsonObject> ExportAsync(this HttpClient client) => (await client.GetJsonAsync("/v1/desired-state")).AsObject();

    public static async Task<JsonObject> PlanAsync(this HttpClient client, JsonNode document)
    {
        var response = await client.SendRawAsync(HttpMethod.Post, "/v1/desired-state/plan", document.ToJsonString());
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        return body.AsObject();
    }

    public static Task<HttpResponseMessage> ApplyAsync(this HttpClient client, JsonNode document, bool force = false, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/desired-state/apply" + (force ? "?force=true" : ""))
        {
            Content = new StringContent(document.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{ifMatch}\"");
        return client.SendAsync(request);
    }

    public static async Task<JsonObject> ApplyOkAsync(this HttpClient client, JsonNode document, bool force = false)
    {
        var response = await client.ApplyAsync(document, force);
        var body = await response.JsonAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body.ToJsonString());
        return body.AsObject();
    }

    public static IEnumerable<JsonNode> Changes(this JsonObject plan, string kind, string op) =>
        plan["changes"]!.AsArray().Where(c => c!["kind"]!.GetValue<string>() == kind && c["op"]!.GetValue<string>() == op)!;

    public static int Count(this JsonObject plan, string counter) => plan["counts"]![counter]!.GetValue<int>();

    /// <summary>Origins of an exported document, by name.</summary>
    public static IEnumerable<string> OriginNames(this JsonObject document) => document["origins"]!.AsArray().Select(o => o!["origin"]!.GetValue<string>());

    public static JsonObject Origin(string origin, string? expiresAt = null, string? note = null) =>
        new() { ["origin"] = origin, ["expiresAt"] = expiresAt, ["note"] = note };
}
