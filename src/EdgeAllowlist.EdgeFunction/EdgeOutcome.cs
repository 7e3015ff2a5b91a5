using System.Text.Json.Nodes;

namespace EdgeAllowlist.EdgeFunction;

public enum EdgeAction
{
    /// <summary>The function returned the request: CloudFront forwards it (possibly modified) to the origin.</summary>
    Pass,
    /// <summary>The function returned a response: CloudFront answers the viewer with it.</summary>
    Respond,
    /// <summary>The function threw or returned nothing usable; CloudFront would answer 503.</summary>
    Failed,
}

/// <summary>
/// What one run of the function produced. <see cref="Output"/> is the returned object exactly as
/// CloudFront's TestFunction reports it in <c>FunctionOutput</c> (<c>{"request":…}</c> or
/// <c>{"response":…}</c>); the other members are read from it for convenience.
/// </summary>
public sealed record EdgeOutcome(
    EdgeAction Action,
    JsonObject Output,
    IReadOnlyList<string> Logs,
    int KvsReads,
    string? Error = null)
{
    /// <summary>The URI the origin receives (Pass only).</summary>
    public string? Uri => Output["request"]?["uri"]?.GetValue<string>();

    /// <summary>The status the viewer receives (Respond only).</summary>
    public int? StatusCode => Output["response"]?["statusCode"]?.GetValue<int>();

    /// <summary>Header value of the returned request or response, or null.</summary>
    public string? Header(string name) =>
        (Output["request"] ?? Output["response"])?["headers"]?[name]?["value"]?.GetValue<string>();
}
