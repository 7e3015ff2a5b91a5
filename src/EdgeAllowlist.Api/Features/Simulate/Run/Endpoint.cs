using System.Text.Json.Nodes;
using System.Text.Json;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Http;
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

sealed class Request
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

    /// <summary>The request as the shared rules see it (EdgeAllowlist.Rules.Expectations), for the checks an expectation's request passes too.</summary>
    public Rules.Expectations.ProbeRequest ToRules() => new() { Method = Method, Uri = Uri, Query = Query, Headers = Headers, ViewerIp = ViewerIp, At = At };

    internal sealed class Validator : Validator<Request>
    {
        public Validator() => this.ReportedBy(r => Rules.Expectations.ExpectationRules.Check(r.ToRules()));
    }
}

/// <param name="Reads">The keys read in order, each with whether it was there and its value: the steps the function took.</param>
sealed record Response(string Action, int? Status, string? Uri, string? Reason, int KvsReads, IReadOnlyList<string> KeysRead, IReadOnlyList<KeyRead> Reads, IReadOnlyList<string> Logs);
