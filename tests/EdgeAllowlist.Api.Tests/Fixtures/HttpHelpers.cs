using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Api.Tests.Fixtures;

/// <summary>Typed calls for routes FastEndpoints' helpers do not cover, and problem-details reading.</summary>
public static class HttpHelpers
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonSerializer.Deserialize<T>(body, Json) ?? throw new InvalidOperationException($"Empty body: {body}");
    }

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("Empty body");

    /// <summary>GET that must succeed, returning its JSON body.</summary>
    public static async Task<JsonNode> GetJsonAsync(this HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Asserts a problem-details answer with the status and returns its body.</summary>
    public static async Task<JsonNode> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        return JsonNode.Parse(body)!;
    }

    /// <summary>The field names a 400 problem names in its errors (FastEndpoints lists them as objects with a name).</summary>
    public static IReadOnlyList<string> ErrorFields(this JsonNode problem) => problem["errors"] switch
    {
        JsonArray list => [.. list.Select(e => e?["name"]?.GetValue<string>() ?? "")],
        JsonObject map => [.. map.Select(p => p.Key)],
        _ => [],
    };

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = JsonContent.Create(body, options: Json);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> SendRawAsync(this HttpClient client, HttpMethod method, string path, string rawBody, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(rawBody, System.Text.Encoding.UTF8, contentType) };
        return client.SendAsync(request);
    }
}
