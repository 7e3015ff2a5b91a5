using System.Collections;

namespace EdgeAllowlist.Api.Infrastructure.Observability;

/// <summary>
/// The log scope of one request, in place of ASP.NET's own (which carries the raw path): the request
/// id and the path with secret-shaped parts already redacted. Read as fields by the JSON formatter.
/// </summary>
sealed class RequestLogScope(string requestId, string redactedPath) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("RequestId", requestId),
        1 => new("RequestPath", redactedPath),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"RequestPath:{redactedPath} RequestId:{requestId}";
}
