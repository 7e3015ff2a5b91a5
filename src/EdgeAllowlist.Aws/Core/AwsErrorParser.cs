using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace EdgeAllowlist.Aws.Core;

/// <summary>An error answer read: its code (never empty), message and request id.</summary>
public sealed record AwsError(string Code, string Message, string? RequestId);

/// <summary>
/// The one reading of error answers, per protocol, with botocore's rules: rest-json and json-1.1 take
/// <c>x-amzn-ErrorType</c>, else the body's <c>code</c>/<c>Code</c>/<c>__type</c>, dropping a
/// <c>namespace#</c> prefix and a <c>:url</c> suffix; rest-xml takes <c>Error/Code</c> of the body. A body
/// that is not the protocol's (a proxy's HTML page) leaves the status code: <c>Http503</c>.
/// </summary>
public static class AwsErrorParser
{
    public static AwsError Parse(AwsProtocol protocol, HttpStatusCode status, Func<string, string?> header, byte[] body)
    {
        var requestId = header("x-amzn-RequestId") ?? header("x-amz-request-id");
        var (code, message, bodyRequestId) = protocol == AwsProtocol.RestXml ? FromXml(body) : FromJson(body);
        if (protocol != AwsProtocol.RestXml && header("x-amzn-ErrorType") is { Length: > 0 } typed)
            code = typed;
        code = code is { Length: > 0 } ? Clean(code) : $"Http{(int)status}";
        return new(code, message ?? $"{(int)status} {status}", requestId ?? bodyRequestId);
    }

    static string Clean(string code) => code.Split(':')[0].Split('#')[^1].Trim();

    static (string? Code, string? Message, string? RequestId) FromJson(byte[] body)
    {
        try
        {
            if (body.Length == 0 || JsonDocument.Parse(body) is not { RootElement: { ValueKind: JsonValueKind.Object } root })
                return default;
            return (Text(root, "code") ?? Text(root, "Code") ?? Text(root, "__type"), Text(root, "message") ?? Text(root, "Message"), null);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    static (string? Code, string? Message, string? RequestId) FromXml(byte[] body)
    {
        try
        {
            if (body.Length == 0 || XDocument.Parse(Encoding.UTF8.GetString(body)).Root is not { } root)
                return default;
            // <ErrorResponse><Error>…</Error><RequestId/></ErrorResponse>, or a bare <Error> as S3 sends it.
            var error = root.Name.LocalName == "Error" ? root : Child(root, "Error");
            return (error is null ? null : Child(error, "Code")?.Value, error is null ? null : Child(error, "Message")?.Value,
                Child(root, "RequestId")?.Value ?? (error is null ? null : Child(error, "RequestId")?.Value));
        }
        catch (XmlException)
        {
            return default;
        }
    }

    static XElement? Child(XElement element, string localName) => element.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
