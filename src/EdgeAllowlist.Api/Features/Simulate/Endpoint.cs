using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.EdgeFunction;

namespace EdgeAllowlist.Api.Features.Simulate;

sealed class Endpoint(IKeyValueStore store, EdgeFunctionRuntime runtime, TimeProvider time) : Endpoint<Request, Response>
{
    const string ReasonHeader = "x-allowlist-reason";

    public override void Configure()
    {
        Post("/simulate");
        Permissions(ApiScopes.RulesRead);
        Summary(s =>
        {
            s.Summary = "Would this request pass the edge, and why? Runs the deployed function file against the current store.";
            s.Description = "Nothing is written. 'at' simulates a later moment (e.g. after a rotation's grace period).";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var recording = new RecordingStore(store);
        var query = req.Uri.IndexOf('?');
        var cloudFrontEvent = EdgeEvent.ViewerRequest(
            query < 0 ? req.Uri : req.Uri[..query],
            req.Headers ?? [],
            req.Method ?? "GET",
            query < 0 ? null : req.Uri[(query + 1)..],
            req.ViewerIp ?? "198.51.100.11");
        var at = req.At ?? time.GetUtcNow();
        // The runtime blocks on each store read, as CloudFront's awaits do; keep that off the request thread.
        var outcome = await Task.Run(() => runtime.Run(cloudFrontEvent, recording, at, ct), ct);
        var response = outcome.Output["response"] as JsonObject;
        var headers = (response?["headers"] as JsonObject ?? new JsonObject())
            .Where(h => recording.PolicyShowsReason || h.Key != ReasonHeader)
            .ToDictionary(h => h.Key, h => h.Value?["value"]?.GetValue<string>() ?? "");
        await Send.OkAsync(new(
            outcome.Action switch { EdgeAction.Pass => "pass", EdgeAction.Respond => "deny", _ => "error" },
            outcome.Action switch { EdgeAction.Pass => null, EdgeAction.Respond => outcome.StatusCode, _ => 503 },
            outcome.Uri,
            outcome.Header(ReasonHeader) ?? ReasonFromLog(outcome.Logs),
            recording.Reads,
            outcome.Logs,
            headers,
            outcome.Error,
            at), ct);
    }

    /// <summary>A pass in report mode or under fail-open names its would-be denial only in the log line.</summary>
    static string? ReasonFromLog(IReadOnlyList<string> logs)
    {
        foreach (var line in logs)
        {
            try
            {
                if (JsonNode.Parse(line)?["reason"]?.GetValue<string>() is { } reason)
                    return reason;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                // Not one of the function's JSON lines.
            }
        }
        return null;
    }
}

sealed record Request
{
    /// <summary>GET (default), HEAD, POST, PUT, PATCH, DELETE or OPTIONS.</summary>
    public string? Method { get; init; }

    /// <summary>The viewer URI with an optional query, e.g. /_p/ealp_…/test/a.m3u8 or /v1/master/a.m3u8?x=1.</summary>
    public string Uri { get; init; } = "";

    /// <summary>Request headers by name, e.g. {"origin": "https://www.example.com", "user-agent": "…"}.</summary>
    public Dictionary<string, string>? Headers { get; init; }

    /// <summary>The viewer's IP address (default 198.51.100.11).</summary>
    public string? ViewerIp { get; init; }

    /// <summary>The moment to simulate (default now).</summary>
    public DateTimeOffset? At { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

        public Validator()
        {
            RuleFor(r => r.Method).Must(m => m is null || Methods.Contains(m))
                .WithMessage($"method must be one of {string.Join(", ", Methods)}.");
            RuleFor(r => r.Uri).NotEmpty().MaximumLength(8192)
                .Must(u => u is not null && u.StartsWith('/') && !u.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                .WithMessage("uri must start with '/' and contain no spaces or control characters.");
            RuleFor(r => r.Headers).Must(h => h is null || h.Count <= 64).WithMessage("headers may list at most 64 headers.");
            RuleForEach(r => r.Headers).Must(h => System.Text.RegularExpressions.Regex.IsMatch(h.Key, "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$"))
                .WithMessage("header names must be 1 to 64 token characters (RFC 9110).")
                .Must(h => h.Value is not null && h.Value.Length <= 8192 && !h.Value.Any(c => char.IsControl(c) && c != '\t'))
                .WithMessage("header values must be at most 8192 characters without control characters.")
                .OverridePropertyName("headers");
            RuleFor(r => r.ViewerIp).Must(ip => ip is null || IPAddress.TryParse(ip, out _)).WithMessage("viewerIp must be an IPv4 or IPv6 address.");
        }
    }
}

/// <param name="Decision">pass, deny, or error (the function failed; CloudFront would answer 503).</param>
/// <param name="Status">The status a denied viewer gets.</param>
/// <param name="Uri">The URI the origin would see (a partner secret stripped).</param>
/// <param name="Reason">The function's reason code for a denial (or a would-be denial in report mode).</param>
sealed record Response(
    string Decision,
    int? Status,
    string? Uri,
    string? Reason,
    IReadOnlyList<KvsRead> Reads,
    IReadOnlyList<string> Logs,
    IReadOnlyDictionary<string, string> ResponseHeaders,
    string? Error,
    DateTimeOffset At);
