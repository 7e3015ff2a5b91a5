using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Cli.Api;

/// <summary>Filters of <c>GET /v1/audit</c>; null means "any".</summary>
public sealed record AuditFilter(DateTimeOffset? From, DateTimeOffset? To, string? Actor, string? Action, string? Target, string? Outcome);

/// <summary>One page of audit entries, kept as the API wrote them, and the cursor of the next page.</summary>
public sealed record AuditPage(IReadOnlyList<JsonObject> Items, string? NextCursor);

/// <summary>The admin API (<c>src/EdgeAllowlist.Api</c>) as the CLI uses it, with a bearer token.</summary>
public sealed class AdminApiClient(HttpClient http, Uri baseAddress, string token)
{
    public async Task<AuditPage> QueryAuditAsync(AuditFilter filter, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        var query = new Dictionary<string, string?>
        {
            ["from"] = filter.From?.ToString("O", CultureInfo.InvariantCulture),
            ["to"] = filter.To?.ToString("O", CultureInfo.InvariantCulture),
            ["actor"] = filter.Actor,
            ["action"] = filter.Action,
            ["target"] = filter.Target,
            ["outcome"] = filter.Outcome,
            ["cursor"] = cursor,
            ["limit"] = limit.ToString(CultureInfo.InvariantCulture),
        };
        var body = await GetAsync("v1/audit?" + string.Join('&', query.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}")), cancellationToken);
        var items = body["items"]?.AsArray().OfType<JsonObject>().ToList()
            ?? throw new AdminApiException(HttpStatusCode.OK, "The audit answer has no items.", null);
        return new(items, body["nextCursor"]?.GetValue<string>());
    }

    async Task<JsonObject> GetAsync(string relative, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(WithSlash(baseAddress), relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var json = Parse(text);
        if (!response.IsSuccessStatusCode)
            throw AdminApiException.FromProblem(response.StatusCode, json);
        return json ?? throw new AdminApiException(response.StatusCode, "The API answered with a body that is not a JSON object.", null);
    }

    static Uri WithSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new(uri.AbsoluteUri + "/");

    static JsonObject? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed class AdminApiException(HttpStatusCode statusCode, string title, string? detail) : Exception(detail is null ? title : $"{title} {detail}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>Reads an RFC 9457 problem-details body: title, detail, and the fields it names.</summary>
    public static AdminApiException FromProblem(HttpStatusCode status, JsonObject? problem)
    {
        var fields = problem?["errors"] switch
        {
            JsonArray errors => errors.OfType<JsonObject>().Select(e => $"{e["name"]}: {e["reason"]}"),
            JsonObject errors => errors.Select(e => $"{e.Key}: {e.Value?.ToJsonString()}"),
            _ => [],
        };
        var detail = string.Join("; ", new[] { problem?["detail"]?.ToString() }.Concat(fields).Where(part => !string.IsNullOrEmpty(part)));
        return new(status, problem?["title"]?.ToString() ?? $"The API answered {(int)status}.", detail.Length == 0 ? null : detail);
    }
}
