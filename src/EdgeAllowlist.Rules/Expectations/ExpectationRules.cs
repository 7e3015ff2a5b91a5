using System.Net;
using System.Text.RegularExpressions;

namespace EdgeAllowlist.Rules.Expectations;

/// <summary>A request as <c>POST /v1/simulate</c> takes it, the one an expectation keeps; method GET unless given.</summary>
public sealed record ProbeRequest
{
    public string? Method { get; init; } = "GET";
    public string? Uri { get; init; } = "";
    public string? Query { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public string? ViewerIp { get; init; }
    public DateTimeOffset? At { get; init; }
}

/// <summary>
/// The field rules of an admin's expectation (a name, the request as simulate takes it, pass or deny
/// with an optional reason code) and of the simulated request, for the API's routes and a document alike.
/// </summary>
public static partial class ExpectationRules
{
    public const string Pass = "pass";
    public const string Deny = "deny";
    public const string NamePattern = "^[a-z0-9][a-z0-9._-]{0,99}$";
    public const string ReasonPattern = "^[a-z][a-z-]{0,39}$";

    public static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

    [GeneratedRegex(NamePattern)]
    private static partial Regex Name();

    [GeneratedRegex(ReasonPattern)]
    private static partial Regex Reason();

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")]
    private static partial Regex HeaderName();

    /// <summary>An expectation's problems; those of its request are named <c>request.uri</c> and so on.</summary>
    public static IEnumerable<FieldError> Check(string? name, ProbeRequest? request, string? expect, string? reason)
    {
        const string nameMessage = "name must be 1 to 100 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.";
        // The wording FluentValidation gives NotEmpty, which the API answered with before this rule moved here.
        if (string.IsNullOrEmpty(name))
            yield return new("name", "'Name' must not be empty.");
        if (name is not null && !Name().IsMatch(name))
            yield return new("name", nameMessage);
        if (request is null)
            yield return new("request", "request is required: the request as POST /v1/simulate takes it.");
        else
            foreach (var error in Check(request))
                yield return error.Under("request");
        if (expect is not (Pass or Deny))
            yield return new("expect", "expect must be pass or deny.");
        if (expect == Pass && reason is not null)
            yield return new("reason", "reason is only for expect deny.");
        if (reason is not null && !Reason().IsMatch(reason))
            yield return new("reason", "reason must be a reason code such as ua-not-allowed.");
    }

    /// <summary>A simulated request's problems (<c>method</c>, <c>uri</c>, <c>headers[2]</c>…).</summary>
    public static IEnumerable<FieldError> Check(ProbeRequest request)
    {
        if (!Methods.Contains(request.Method?.ToUpperInvariant()))
            yield return new("method", $"method must be one of: {string.Join(", ", Methods)}.");
        if (!(request.Uri is { Length: > 0 and <= 2048 } uri && uri[0] == '/' && !uri.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
            yield return new("uri", "uri must start with '/', be at most 2048 characters and have no whitespace or control characters.");
        if (request.Query is { } query && (query.Length > 2048 || query.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
            yield return new("query", "query must be at most 2048 characters without whitespace or control characters.");
        if (request.Headers is { Count: > 50 })
            yield return new("headers", "headers may hold at most 50 headers.");
        var index = 0;
        foreach (var header in request.Headers ?? new Dictionary<string, string>())
        {
            if (!(HeaderName().IsMatch(header.Key) && header.Value is { Length: <= 4096 } && !header.Value.Any(char.IsControl)))
                yield return new($"headers[{index}]", "each header needs a token name and a value of at most 4096 characters without control characters.");
            index++;
        }
        if (request.ViewerIp is { } ip && !IPAddress.TryParse(ip, out _))
            yield return new("viewerIp", "viewerIp must be an IPv4 or IPv6 address.");
    }
}
