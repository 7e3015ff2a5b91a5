using System.Text.Json;
using EdgeAllowlist.Api.Features.Simulate;
using Microsoft.AspNetCore.Mvc;

namespace EdgeAllowlist.Api.WebConsole.Pages;

/// <summary>
/// The form of <c>POST /v1/simulate</c> and the function's own trace drawn as steps: the keys it read,
/// in order, with what it found, then its decision. The page explains each step; it decides nothing.
/// </summary>
public sealed class SimulateModel(InProcessApi api, ConsoleSessions sessions) : ConsolePage(api, sessions)
{
    public sealed record SimulatedRequest(string Method = "GET", string Uri = "/", string? Origin = null, string? Referer = null, string? UserAgent = null, string? At = null, string? Hint = null, string? Query = null);

    public sealed record Preset(string Label, SimulatedRequest Request);

    public const string SecretToPaste = "PASTE-THE-SECRET";

    public static readonly IReadOnlyDictionary<string, Preset> Presets = SimulatePresets.All.ToDictionary(p => p.Key, p => new Preset(p.Label,
        new("GET", p.Uri.Replace(SimulatePresets.SecretPlaceholder, SecretToPaste, StringComparison.Ordinal), p.Origin, null, p.UserAgent,
            Hint: p.Uri.Contains(SimulatePresets.SecretPlaceholder, StringComparison.Ordinal) ? $"Replace {SecretToPaste} with the partner secret (ealp_…). {p.Hint}" : p.Hint)));

    static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["cfg"] = "the policy key cfg is missing or malformed, so the function fails closed",
        ["error"] = "the store could not be read",
        ["secret-format"] = "the path segment after the marker is not shaped like a partner secret (no read made)",
        ["secret-unknown"] = "no partner secret has this hash",
        ["secret-expired"] = "the secret's grace or expiry has ended",
        ["secret-scope"] = "the secret's scope is manifests and this is not a plain .m3u8/.mpd/.mp4 name",
        ["uri-ambiguous"] = "the URI could be read as another path by the origin (encoded dots or slashes, ';', '\\', dot segments)",
        ["origin-invalid"] = "the Origin or Referer is not a valid origin, or came more than once",
        ["origin-unknown"] = "the origin is not on the allowlist",
        ["origin-expired"] = "the origin's rule has expired",
        ["no-origin"] = "no Origin or Referer, and noOrigin is deny",
        ["ua-denied"] = "a User-Agent deny rule matched",
        ["ua-not-allowed"] = "no User-Agent allow rule matched (required without Origin when noOrigin is ua)",
    };

    public SimulatedRequest Form { get; private set; } = new();

    public JsonElement? Result { get; private set; }

    public void OnGet(string? preset)
    {
        if (preset is not null && Presets.TryGetValue(preset, out var chosen))
            Form = chosen.Request;
    }

    public async Task<IActionResult> OnPostAsync(string? method, string? uri, string? query, string? origin, string? referer, string? userAgent, string? at)
    {
        // The path and the query apart, as CloudFront hands them to the function.
        var (path, splitQuery) = Features.Simulate.Run.Endpoint.SplitQuery(uri ?? "", string.IsNullOrEmpty(query) ? null : query);
        Form = new(method ?? "GET", path, origin, referer, userAgent, at, Query: splitQuery);
        var answer = await Api("POST", "/v1/simulate", new { method = Form.Method, uri = Form.Uri, query = Form.Query, headers = Headers(origin, referer, userAgent), at = Utc(at) });
        if (answer.Ok)
            Result = answer.Json;
        else
            Refused(answer);
        return Page();
    }

    /// <summary>
    /// "Keep this result": the simulated request becomes an expectation with the outcome the function
    /// just gave it (a denial with its reason). The request comes back in the form's fields, as simulated.
    /// </summary>
    public async Task<IActionResult> OnPostKeepAsync(string? name, string? method, string? uri, string? query, string? origin, string? referer, string? userAgent, string? at,
        string? expect, string? reason)
    {
        Form = new(method ?? "GET", uri ?? "", origin, referer, userAgent, at, Query: string.IsNullOrEmpty(query) ? null : query);
        var answer = await Api("POST", "/v1/expectations", new
        {
            name = name ?? "",
            request = new { method = Form.Method, uri = Form.Uri, query = Form.Query, headers = Headers(origin, referer, userAgent), at = Utc(at) },
            expect = expect ?? "",
            reason = string.IsNullOrEmpty(reason) ? null : reason,
        });
        if (answer.Ok)
            return Done($"Kept: {name} must {expect}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}. Every change is checked against it from now on.");
        Refused(answer);
        return Page();
    }

    /// <summary>A partner's request carries its secret, which an expectation never stores: the built-in partner expectation covers it.</summary>
    public bool CarriesSecret => Form.Uri.Contains(Features.Secrets.PartnerSecrets.Prefix, StringComparison.Ordinal) || Form.Uri.Contains(SecretToPaste, StringComparison.Ordinal);

    static Dictionary<string, string> Headers(string? origin, string? referer, string? userAgent)
    {
        var headers = new Dictionary<string, string>();
        if (!string.IsNullOrEmpty(origin))
            headers["origin"] = origin;
        if (!string.IsNullOrEmpty(referer))
            headers["referer"] = referer;
        if (!string.IsNullOrEmpty(userAgent))
            headers["user-agent"] = userAgent;
        return headers;
    }

    public static string ReasonMeaning(string reason) => Reasons.GetValueOrDefault(reason, "");

    /// <summary>A secret's key is its hash: shortened, it still tells the steps apart.</summary>
    public static string ShortKey(string key) => key.StartsWith("x:", StringComparison.Ordinal) && key.Length > 18 ? key[..14] + "…" : key;

    /// <summary>What the value the function read means, in words.</summary>
    public static string Explain(JsonElement read)
    {
        var key = read.Str("key");
        if (read.Bool("failed"))
            return "The store did not answer this read.";
        var found = read.Bool("found");
        JsonElement value = default;
        if (found)
        {
            try
            {
                value = JsonDocument.Parse(read.Str("value")).RootElement;
            }
            catch (JsonException)
            {
                return $"Unreadable value: {read.Str("value")}";
            }
        }
        return key switch
        {
            "cfg" => found ? $"Policy: mode {value.Str("mode")}, noOrigin {Or(value.Str("noOrigin"), "ua")}, {Or(value.Str("ua"), "0")} User-Agent shard(s), wildcard depth {Or(value.Str("wild"), "1")}, deny status {Or(value.Str("deny"), "403")}." : "No policy: every request is denied.",
            _ when key.StartsWith("x:", StringComparison.Ordinal) => found
                ? $"Partner secret of {value.Str("p")} ({value.Str("id")}), scope {value.Str("scope")}{Expiry(value)}."
                : "No partner secret with this hash.",
            _ when key.StartsWith("o:", StringComparison.Ordinal) => found ? $"Allowed origin{Expiry(value)}." : "Not on the allowlist.",
            _ when key.StartsWith("ua:", StringComparison.Ordinal) => found
                ? $"Allow: {Or(value.Str("allow"), "(none)")} · Deny: {Or(value.Str("deny"), "(none)")}"
                : "Shard missing.",
            _ => found ? read.Str("value") : "Absent.",
        };
    }

    static string Expiry(JsonElement value) =>
        value.Long("exp") is > 0 and var exp ? $", expires {DateTimeOffset.FromUnixTimeSeconds(exp):u}" : ", no expiry";

    static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;
}
