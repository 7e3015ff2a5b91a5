using System.Text.Json;
using EdgeAllowlist.Api.Infrastructure.Crypto;
using EdgeAllowlist.Api.Infrastructure.Errors;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

/// <summary>
/// Names the request fields an endpoint expects a secret in (the simulator's <c>uri</c>, which
/// carries MediaTailor's path); everywhere else a secret-shaped value is refused.
/// </summary>
public sealed class CarriesSecrets(params string[] fields)
{
    public IReadOnlyList<string> Fields { get; } = fields;
}

/// <summary>
/// Refuses, with a 400 before any endpoint runs, a request whose path, query or JSON body holds
/// something shaped like a partner secret or an API token where none belongs (a secret pasted as a
/// secret id, a token as a name). Such a value has already travelled through proxies and logs, so the
/// answer says to revoke it; the refusal, its audit entry and the request log show it redacted.
/// </summary>
public sealed class SecretShapedInputMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var found = InPath(context.Request) ?? InQuery(context.Request) ?? await InBodyAsync(context);
        if (found is not { } hit)
        {
            await next(context);
            return;
        }
        var what = hit.Prefix == "eaat"
            ? "an API token (eaat_***). Treat the token as leaked: revoke it (DELETE /v1/tokens/{id}) and create a new one."
            : "a partner secret (ealp_***). Treat the secret as leaked: revoke it (DELETE /v1/partners/{partner}/secrets/{id}) and issue a new one.";
        var message = $"{hit.Field} looks like {what} A secret never belongs in this field; nothing was done.";
        await Problems.WriteAsync(context, new(StatusCodes.Status400BadRequest, message, hit.Field));
    }

    static (string Field, string Prefix)? InPath(HttpRequest request)
    {
        foreach (var (name, value) in request.RouteValues)
            if (SecretRedaction.FindPrefix(value as string) is { } prefix)
                return (name, prefix);
        return SecretRedaction.FindPrefix(request.Path.Value) is { } inPath ? ("path", inPath) : null;
    }

    static (string Field, string Prefix)? InQuery(HttpRequest request)
    {
        if (SecretRedaction.FindPrefix(request.QueryString.Value) is null)
            return null;
        foreach (var (name, values) in request.Query)
        {
            if (SecretRedaction.FindPrefix(name) is { } inName)
                return ("query", inName);
            foreach (var value in values)
                if (SecretRedaction.FindPrefix(value) is { } prefix)
                    return (name, prefix);
        }
        // Percent-encoded beyond what the query parser decodes: still refused, without a field to name.
        return ("query", SecretRedaction.FindPrefix(request.QueryString.Value)!);
    }

    static async Task<(string Field, string Prefix)?> InBodyAsync(HttpContext context)
    {
        var request = context.Request;
        // An upload is streamed, never buffered, and the function's log lines it carries have their secrets masked already.
        if (request.ContentLength == 0 || request.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true
            || context.GetEndpoint()?.Metadata.GetMetadata<Http.StreamedUpload>() is not null)
            return null;
        request.EnableBuffering();
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, context.RequestAborted);
        }
        catch (JsonException)
        {
            return null; // not JSON: the endpoint's binder answers that with its own 400
        }
        finally
        {
            request.Body.Position = 0;
        }
        using (document)
        {
            var allowed = context.GetEndpoint()?.Metadata.GetMetadata<CarriesSecrets>()?.Fields ?? [];
            return Find(document.RootElement, "", allowed);
        }
    }

    /// <summary>The first secret-shaped member name or string value, with its path in the body (<c>origins[2].note</c>).</summary>
    static (string Field, string Prefix)? Find(JsonElement element, string path, IReadOnlyList<string> allowed)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return !allowed.Contains(path) && SecretRedaction.FindPrefix(element.GetString()) is { } prefix ? (path.Length == 0 ? "body" : path, prefix) : null;
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    var memberPath = path.Length == 0 ? member.Name : $"{path}.{member.Name}";
                    if (SecretRedaction.FindPrefix(member.Name) is { } inName)
                        return (path.Length == 0 ? "body" : path, inName);
                    if (Find(member.Value, memberPath, allowed) is { } found)
                        return found;
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    if (Find(item, $"{path}[{index++}]", allowed) is { } found)
                        return found;
                return null;
            default:
                return null;
        }
    }
}
