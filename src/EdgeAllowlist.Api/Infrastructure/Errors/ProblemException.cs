namespace EdgeAllowlist.Api.Infrastructure.Errors;

/// <summary>
/// A failure the service decides (refused input, unknown target, a partner the token may not touch,
/// an idempotency clash), thrown where it is found and answered in one place, <see cref="Problems"/>:
/// the domain code says what went wrong, never how the answer looks.
/// </summary>
public class ProblemException(int statusCode, string message, string? field = null, IReadOnlyDictionary<string, string>? headers = null,
    IReadOnlyDictionary<string, object>? extensions = null, string? title = null) : Exception(message)
{
    /// <summary>A short, fixed summary of this kind of problem (RFC 9457 <c>title</c>); by default the status's reason phrase.</summary>
    public string? Title { get; } = title;

    public int StatusCode { get; } = statusCode;

    /// <summary>The request field at fault, named in the problem's <c>errors</c>; none for failures of the request as a whole.</summary>
    public string? Field { get; } = field;

    /// <summary>Headers the answer needs, such as <c>Retry-After</c> or <c>WWW-Authenticate</c>.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; } = headers ?? new Dictionary<string, string>();

    /// <summary>Members the problem carries beyond RFC 9457's, such as a stale plan's current plan.</summary>
    public IReadOnlyDictionary<string, object> Extensions { get; } = extensions ?? new Dictionary<string, object>();
}
