using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Cli.Api;

/// <summary>Filters of <c>GET /v1/audit</c>; null means "any".</summary>
/// <summary>The filters of <c>GET /v1/audit</c>; <see cref="TargetPrefix"/> is every target starting with it (not with <see cref="Target"/>).</summary>
public sealed record AuditFilter(DateTimeOffset? From, DateTimeOffset? To, string? Actor, string? Action, string? Target, string? Outcome, string? TargetPrefix = null);

/// <summary>One page of audit entries, kept as the API wrote them, and the cursor of the next page.</summary>
public sealed record AuditPage(IReadOnlyList<JsonObject> Items, string? NextCursor);

/// <summary>A partner secret the API just issued. <see cref="Secret"/> is in this answer only; never print it.</summary>
public sealed record IssuedSecret(string Secret, string Id, string Fingerprint, string Marker, IReadOnlyList<ExpiringSecret> Expiring);

/// <summary>A previous secret that stays valid until <see cref="ExpiresAt"/> (the grace period).</summary>
public sealed record ExpiringSecret(string Id, string Fingerprint, DateTimeOffset? ExpiresAt);

/// <summary>What the API's simulator says the function would do with a request.</summary>
public sealed record SimulatedDecision(string Action, int? Status, string? Reason);

/// <summary>The admin API (<c>src/EdgeAllowlist.Api</c>) as the CLI uses it, with a bearer token.</summary>
public sealed class AdminApiClient(HttpClient http, Uri baseAddress, string token)
{
    public async Task<AuditPage> QueryAuditAsync(AuditFilter filter, string? cursor, int limit, CancellationToken cancellationToken = default)
    {
        var query = Filter(filter);
        query["cursor"] = cursor;
        query["limit"] = limit.ToString(CultureInfo.InvariantCulture);
        var body = await GetAsync("v1/audit" + Query(query), cancellationToken);
        var items = body["items"]?.AsArray().OfType<JsonObject>().ToList()
            ?? throw Malformed("items");
        return new(items, body["nextCursor"]?.GetValue<string>());
    }

    /// <summary>
    /// <c>POST /v1/partners/{partner}/secrets/rotate</c>: a new secret, and the partner's current ones
    /// expire after <paramref name="graceHours"/>, in one store change. The idempotency key makes a
    /// retried request return the same secret instead of issuing a second one.
    /// </summary>
    public async Task<IssuedSecret> RotateSecretAsync(string partner, double graceHours, string distributionDomain, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var body = await SendAsync(HttpMethod.Post, $"v1/partners/{Uri.EscapeDataString(partner)}/secrets/rotate",
            new JsonObject { ["graceSeconds"] = (int)Math.Round(graceHours * 3600), ["distributionDomain"] = distributionDomain },
            idempotencyKey, cancellationToken);
        // "https://<domain>/<marker>/<secret>/": the API reads the marker from the live policy, so it is never guessed here.
        var marker = new Uri(Text(body, "videoContentSourceUrl")).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries)[0];
        return new(
            Text(body, "secret"),
            Text(body, "id"),
            Text(body, "fingerprint"),
            marker,
            (body["rotatedOut"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(e => new ExpiringSecret(Text(e, "id"), Text(e, "fingerprint"), e["expiresAt"]?.GetValue<DateTimeOffset>()))
                .ToList());
    }

    /// <summary><c>POST /v1/simulate</c>: runs the deployed function file on a GET of <paramref name="uri"/> against the current store.</summary>
    public async Task<SimulatedDecision> SimulateAsync(string uri, CancellationToken cancellationToken = default)
    {
        var body = await SendAsync(HttpMethod.Post, "v1/simulate", new JsonObject { ["method"] = "GET", ["uri"] = uri }, null, cancellationToken);
        return new(Text(body, "action"), body["status"]?.GetValue<int>(), body["reason"]?.GetValue<string>());
    }

    /// <summary><c>GET /v1/desired-state</c>: the rules as a desired-state document (never secrets).</summary>
    public Task<JsonObject> ExportDesiredStateAsync(CancellationToken cancellationToken = default) => GetAsync("v1/desired-state", cancellationToken);

    /// <summary><c>POST /v1/desired-state/plan</c>: what applying <paramref name="document"/> would change; writes nothing.</summary>
    public Task<JsonObject> PlanDesiredStateAsync(JsonObject document, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/desired-state/plan", document, null, cancellationToken);

    /// <summary>
    /// <c>POST /v1/desired-state/apply</c> with the digest of the plan the user saw as If-Match, so
    /// only that plan runs (409 if the rules moved); <paramref name="force"/> passes the deletion gate and expectation flips (audited).
    /// </summary>
    public Task<JsonObject> ApplyDesiredStateAsync(JsonObject document, string planDigest, bool force, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, "v1/desired-state/apply" + (force ? "?force=true" : ""), document, null, cancellationToken, ifMatch: planDigest);

    /// <summary><c>GET /v1/audit/verify</c>: whether the hash chain holds, and where it breaks.</summary>
    public Task<JsonObject> VerifyAuditAsync(CancellationToken cancellationToken = default) => GetAsync("v1/audit/verify", cancellationToken);

    /// <summary><c>GET /v1/audit/export</c>: every matching entry as NDJSON or CSV, oldest first, as the API streams it.</summary>
    public async Task<Stream> ExportAuditAsync(AuditFilter filter, string format, CancellationToken cancellationToken = default)
    {
        var query = Filter(filter);
        query["format"] = format;
        using var request = Request(HttpMethod.Get, "v1/audit/export" + Query(query));
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
                throw AdminApiException.FromProblem(response.StatusCode, Parse(await response.Content.ReadAsStringAsync(cancellationToken)));
        }
        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    public Task<JsonObject> ListOriginsAsync(string? contains, bool? expired, string? cursor, int limit, CancellationToken cancellationToken = default) =>
        GetAsync("v1/origins" + Query(new()
        {
            ["contains"] = contains,
            ["expired"] = expired?.ToString().ToLowerInvariant(),
            ["cursor"] = cursor,
            ["limit"] = limit.ToString(CultureInfo.InvariantCulture),
        }), cancellationToken);

    public Task<JsonObject> AddOriginAsync(JsonObject origin, CancellationToken cancellationToken = default) => PostAsync("v1/origins", origin, cancellationToken);

    /// <summary><c>POST /v1/origins/bulk</c>: up to 20,000 origins in one store change.</summary>
    public Task<JsonObject> AddOriginsAsync(JsonArray origins, CancellationToken cancellationToken = default) =>
        PostAsync("v1/origins/bulk", new JsonObject { ["origins"] = origins }, cancellationToken);

    public Task<JsonObject> UpdateOriginAsync(string origin, JsonObject patch, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, "v1/origins/" + Uri.EscapeDataString(origin), patch, null, cancellationToken);

    /// <param name="force">Write even when the delete breaks expectations that hold now (<c>?force=true</c>; the flips are audited).</param>
    public Task<JsonObject> DeleteOriginAsync(string origin, bool force = false, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "v1/origins/" + Uri.EscapeDataString(origin) + (force ? "?force=true" : ""), null, null, cancellationToken);

    public Task<JsonObject> ListUserAgentsAsync(CancellationToken cancellationToken = default) => GetAsync("v1/user-agents", cancellationToken);

    public Task<JsonObject> AddUserAgentAsync(JsonObject rule, CancellationToken cancellationToken = default) => PostAsync("v1/user-agents", rule, cancellationToken);

    public Task<JsonObject> DeleteUserAgentAsync(string list, string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"v1/user-agents/{Uri.EscapeDataString(list)}/{Uri.EscapeDataString(id)}", null, null, cancellationToken);

    public Task<JsonObject> ListPartnersAsync(CancellationToken cancellationToken = default) => GetAsync("v1/partners", cancellationToken);

    public Task<JsonObject> CreatePartnerAsync(JsonObject partner, CancellationToken cancellationToken = default) => PostAsync("v1/partners", partner, cancellationToken);

    public Task<JsonObject> GetPartnerAsync(string partner, CancellationToken cancellationToken = default) =>
        GetAsync("v1/partners/" + Uri.EscapeDataString(partner), cancellationToken);

    public Task<JsonObject> ListSecretsAsync(string partner, CancellationToken cancellationToken = default) =>
        GetAsync($"v1/partners/{Uri.EscapeDataString(partner)}/secrets", cancellationToken);

    /// <summary><c>POST /v1/partners/{partner}/secrets</c>: a new secret, in this answer only; the key makes a retry return the same one.</summary>
    public Task<JsonObject> CreateSecretAsync(string partner, string? distributionDomain, string idempotencyKey, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"v1/partners/{Uri.EscapeDataString(partner)}/secrets",
            distributionDomain is null ? new JsonObject() : new JsonObject { ["distributionDomain"] = distributionDomain }, idempotencyKey, cancellationToken);

    /// <param name="force">Revoke even when that breaks expectations that hold now (<c>?force=true</c>; the flips are audited).</param>
    public Task<JsonObject> RevokeSecretAsync(string partner, string id, bool force = false, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, $"v1/partners/{Uri.EscapeDataString(partner)}/secrets/{Uri.EscapeDataString(id)}{(force ? "?force=true" : "")}", null, null, cancellationToken);

    /// <summary><c>GET /v1/tokens/current</c>: the calling token's name, scopes and partner limit.</summary>
    public Task<JsonObject> CurrentTokenAsync(CancellationToken cancellationToken = default) => GetAsync("v1/tokens/current", cancellationToken);

    /// <summary><c>POST …/secrets/{id}/undo-rotation</c>: revokes the secret a rotation issued and restores the expiry of the ones it rotated out.</summary>
    public Task<JsonObject> UndoRotationAsync(string partner, string id, CancellationToken cancellationToken = default) =>
        PostAsync($"v1/partners/{Uri.EscapeDataString(partner)}/secrets/{Uri.EscapeDataString(id)}/undo-rotation", [], cancellationToken);

    public Task<JsonObject> ListTokensAsync(CancellationToken cancellationToken = default) => GetAsync("v1/tokens", cancellationToken);

    public Task<JsonObject> CreateTokenAsync(JsonObject token, CancellationToken cancellationToken = default) => PostAsync("v1/tokens", token, cancellationToken);

    public Task<JsonObject> RevokeTokenAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Delete, "v1/tokens/" + Uri.EscapeDataString(id), null, null, cancellationToken);

    public Task<JsonObject> GetSettingsAsync(CancellationToken cancellationToken = default) => GetAsync("v1/settings", cancellationToken);

    public Task<JsonObject> UpdateSettingsAsync(JsonObject patch, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Patch, "v1/settings", patch, null, cancellationToken);

    /// <summary><c>POST /v1/simulate</c> with the whole request (method, uri, headers, query, viewerIp, at).</summary>
    public Task<JsonObject> SimulateAsync(JsonObject request, CancellationToken cancellationToken = default) => PostAsync("v1/simulate", request, cancellationToken);

    public Task<JsonObject> StatusAsync(CancellationToken cancellationToken = default) => GetAsync("v1/status", cancellationToken);

    /// <summary><c>POST /v1/desired-state/rollback</c>: the rules as of audit entry <c>toSeq</c>, as a plan (dryRun) or applied.</summary>
    /// <paramref name="force"/>: <c>?force=true</c>, past the deletion gate and past expectation flips (audited).
    public Task<JsonObject> RollbackAsync(JsonObject request, CancellationToken cancellationToken = default, bool force = false) =>
        PostAsync("v1/desired-state/rollback" + (force ? "?force=true" : ""), request, cancellationToken);

    Task<JsonObject> GetAsync(string relative, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, relative, null, null, cancellationToken);

    Task<JsonObject> PostAsync(string relative, JsonObject body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, relative, body, null, cancellationToken);

    static Dictionary<string, string?> Filter(AuditFilter filter) => new()
    {
        ["from"] = filter.From?.ToString("O", CultureInfo.InvariantCulture),
        ["to"] = filter.To?.ToString("O", CultureInfo.InvariantCulture),
        ["actor"] = filter.Actor,
        ["action"] = filter.Action,
        ["target"] = filter.Target,
        ["targetPrefix"] = filter.TargetPrefix,
        ["outcome"] = filter.Outcome,
    };

    static string Query(Dictionary<string, string?> query) =>
        query.Any(p => p.Value is not null)
            ? "?" + string.Join('&', query.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"))
            : "";

    HttpRequestMessage Request(HttpMethod method, string relative)
    {
        var request = new HttpRequestMessage(method, new Uri(WithSlash(baseAddress), relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    async Task<JsonObject> SendAsync(HttpMethod method, string relative, JsonObject? content, string? idempotencyKey, CancellationToken cancellationToken, string? ifMatch = null)
    {
        using var request = Request(method, relative);
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", $"\"{ifMatch}\"");
        if (content is not null)
            request.Content = new StringContent(content.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var json = Parse(text);
        if (!response.IsSuccessStatusCode)
            throw AdminApiException.FromProblem(response.StatusCode, json);
        // A delete answers 204 with no body.
        if (response.StatusCode == HttpStatusCode.NoContent)
            return [];
        return json ?? throw new AdminApiException(response.StatusCode, "The API answered with a body that is not a JSON object.", null);
    }

    static string Text(JsonObject parent, string field) => parent[field]?.GetValue<string>() ?? throw Malformed(field);

    static AdminApiException Malformed(string field) => new(HttpStatusCode.OK, $"The API's answer has no \"{field}\".", null);

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

public sealed class AdminApiException(HttpStatusCode statusCode, string title, string? detail, JsonObject? problem = null) : Exception(detail is null ? title : $"{title} {detail}")
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The problem-details body as the API sent it, for answers that carry more (a stale plan's current plan).</summary>
    public JsonObject? Problem { get; } = problem;

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
        return new(status, problem?["title"]?.ToString() ?? $"The API answered {(int)status}.", detail.Length == 0 ? null : detail, problem);
    }
}
