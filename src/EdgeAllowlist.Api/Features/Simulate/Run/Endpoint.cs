using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.EdgeFunction;

namespace EdgeAllowlist.Api.Features.Simulate.Run;

/// <summary>Runs the deployed function file, unmodified, on a request against the current store.</summary>
sealed class Endpoint(EdgeFunctionRuntime runtime, IKeyValueStore store, TimeProvider time) : Endpoint<Request, Response>
{
    const string DefaultViewerIp = "198.51.100.11";

    /// <summary>Shaped like a secret, issued nowhere.</summary>
    const string ExampleSecret = "ealp_EXAMPLEexampleEXAMPLEexampleEXAMPLEexample0";

    public override void Configure()
    {
        Post("/simulate");
        Permissions(ApiScopes.RulesRead);
        Options(b => b.WithMetadata(new CarriesSecrets("uri"))); // a partner request's path carries its secret
        Summary(s =>
        {
            s.Summary = "Would this request pass the edge, and why? Runs function/allowlist.js on it against the current store; writes nothing.";
            foreach (var preset in SimulatePresets.All)
            {
                var headers = new Dictionary<string, string> { ["user-agent"] = preset.UserAgent };
                if (preset.Origin is not null)
                    headers["origin"] = preset.Origin;
                s.RequestExamples.Add(new(new { uri = preset.Uri.Replace(SimulatePresets.SecretPlaceholder, ExampleSecret, StringComparison.Ordinal), headers }, preset.Label, preset.Hint));
            }
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        var recording = new ReadRecordingStore(store);
        var (uri, query) = SplitQuery(req.Uri, req.Query);
        var cloudFrontEvent = EdgeEvent.ViewerRequest(uri, req.Headers ?? [], req.Method.ToUpperInvariant(), query, req.ViewerIp ?? DefaultViewerIp);
        var outcome = runtime.Run(cloudFrontEvent, recording, req.At ?? time.GetUtcNow(), ct);
        var action = outcome.Action switch
        {
            EdgeAction.Pass => "pass",
            EdgeAction.Respond => "deny",
            _ => "error",
        };
        await Send.OkAsync(new(
            action,
            outcome.Action == EdgeAction.Respond ? outcome.StatusCode : null,
            outcome.Action == EdgeAction.Pass ? outcome.Uri : null,
            outcome.Action switch
            {
                EdgeAction.Respond => outcome.Header("x-allowlist-reason"),
                EdgeAction.Pass => ReasonFromLog(outcome.Logs),
                _ => outcome.Error,
            },
            outcome.KvsReads,
            recording.KeysRead,
            recording.Reads,
            outcome.Logs), ct);
    }

    /// <summary>
    /// CloudFront hands the function the path in <c>uri</c> and the query apart in <c>querystring</c>:
    /// a URI pasted with its query (a template URL from MediaTailor's log) is split the same way, so
    /// the query never reaches the secret's scope check. A query given in both places is joined.
    /// </summary>
    public static (string Uri, string? Query) SplitQuery(string uri, string? query)
    {
        var mark = uri.IndexOf('?');
        if (mark < 0)
            return (uri, query);
        var inUri = uri[(mark + 1)..];
        return (uri[..mark], string.IsNullOrEmpty(query) ? inUri : inUri.Length == 0 ? query : inUri + "&" + query.TrimStart('?'));
    }

    /// <summary>A pass in report mode (or under fail-open) names its would-be denial only in the function's log line.</summary>
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

sealed partial class Request
{
    /// <summary>HTTP method, e.g. GET.</summary>
    public string Method { get; init; } = "GET";

    /// <summary>The path as the viewer sends it, e.g. /_p/ealp_…/test/a.m3u8; a query after '?' is split off into query as CloudFront does.</summary>
    public string Uri { get; init; } = "";

    /// <summary>Query string without '?', e.g. a=1&amp;b=2.</summary>
    public string? Query { get; init; }

    /// <summary>Request headers by name, e.g. origin, referer, user-agent.</summary>
    public Dictionary<string, string>? Headers { get; init; }

    /// <summary>The viewer's IP address (default 198.51.100.11).</summary>
    public string? ViewerIp { get; init; }

    /// <summary>Evaluate as of this time (expiries); default now.</summary>
    public DateTimeOffset? At { get; init; }

    internal sealed class Validator : Validator<Request>
    {
        static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

        public Validator()
        {
            RuleFor(r => r.Method).Must(m => Methods.Contains(m?.ToUpperInvariant())).WithMessage($"method must be one of: {string.Join(", ", Methods)}.");
            RuleFor(r => r.Uri).Must(u => u is { Length: > 0 and <= 2048 } && u[0] == '/' && !u.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                .WithMessage("uri must start with '/', be at most 2048 characters and have no whitespace or control characters.");
            RuleFor(r => r.Query).Must(q => q is null || q.Length <= 2048 && !q.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                .WithMessage("query must be at most 2048 characters without whitespace or control characters.");
            RuleFor(r => r.Headers).Must(h => h is null || h.Count <= 50).WithMessage("headers may hold at most 50 headers.");
            RuleForEach(r => r.Headers).Must(h => HeaderName().IsMatch(h.Key) && h.Value is { Length: <= 4096 } && !h.Value.Any(char.IsControl))
                .WithMessage("each header needs a token name and a value of at most 4096 characters without control characters.");
            RuleFor(r => r.ViewerIp).Must(ip => ip is null || IPAddress.TryParse(ip, out _)).WithMessage("viewerIp must be an IPv4 or IPv6 address.");
        }
    }

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")]
    private static partial Regex HeaderName();
}

/// <param name="Reads">The keys read in order, each with whether it was there and its value: the steps the function took.</param>
sealed record Response(string Action, int? Status, string? Uri, string? Reason, int KvsReads, IReadOnlyList<string> KeysRead, IReadOnlyList<KeyRead> Reads, IReadOnlyList<string> Logs);
