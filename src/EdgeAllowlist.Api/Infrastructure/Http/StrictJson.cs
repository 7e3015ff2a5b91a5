using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAllowlist.Api.Infrastructure.Errors;
using FluentValidation.Results;

namespace EdgeAllowlist.Api.Infrastructure.Http;

/// <summary>
/// One reading of a request body for every endpoint. A body that two parsers could read differently
/// is refused instead of guessed at: a member given twice (System.Text.Json would keep the last, a
/// first-wins proxy or audit tool the first, so <c>{"scopes":["rules:read"],"scopes":["tokens:admin"]}</c>
/// would mean two things), a member the request does not have (a typo such as <c>publicPath</c>
/// would otherwise be a silent no-op that answers 200), and a <c>null</c> or empty body (which would
/// bind as a request with nothing set). Write routes take JSON only; anything else is a 415.
/// </summary>
static class StrictJson
{
    /// <summary>The field a problem names when the body as a whole is wrong.</summary>
    public const string BodyField = "body";

    public const string MediaType = "application/json";

    /// <summary>Applies the rules to FastEndpoints' serializer and binder (<c>UseFastEndpoints(c => c.UseStrictJson())</c>).</summary>
    public static void UseStrictJson(this Config config)
    {
        var options = config.Serializer.Options;
        options.AllowDuplicateProperties = false;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        config.Serializer.RequestDeserializer = async (request, type, context, ct) =>
        {
            if (request.ContentLength == 0)
                throw new JsonException(EmptyBody, "$", null, null);
            var value = context is null
                ? await JsonSerializer.DeserializeAsync(request.Body, type, options, ct)
                : await JsonSerializer.DeserializeAsync(request.Body, type, context, ct);
            return value ?? throw new JsonException("The request body is null; send a JSON object.", "$", null, null);
        };
        config.Binding.JsonExceptionTransformer = Describe;
    }

    /// <summary>A 415 for a write route whose body is not declared as JSON (missing or other Content-Type).</summary>
    public static IApplicationBuilder UseJsonBodies(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Path.StartsWithSegments("/v1") && IsWrite(request.Method) && context.GetEndpoint() is { } endpoint
                && endpoint.Metadata.GetMetadata<StreamedUpload>() is null && !request.HasJsonContentType())
            {
                var detail = request.ContentType is { Length: > 0 } sent
                    ? $"The body was sent as '{sent}'; send it as {MediaType}."
                    : $"The request has no Content-Type; send the body as {MediaType}.";
                await Problems.WriteAsync(context, new(StatusCodes.Status415UnsupportedMediaType, detail, "Content-Type"));
                return;
            }
            await next(context);
        });

    const string EmptyBody = "The request body is empty; send a JSON object.";

    static bool IsWrite(string method) => HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method);

    /// <summary>Names the member at fault (its JSON path without <c>$.</c>), in words that do not expose .NET type names.</summary>
    static ValidationFailure Describe(JsonException exception)
    {
        var field = exception.Path is null or "$" ? BodyField : exception.Path[2..];
        var member = field[(field.LastIndexOfAny(['.', ']']) + 1)..];
        var message = exception.Message;
        if (message.StartsWith("Duplicate propert", StringComparison.Ordinal))
            message = $"'{member}' appears more than once; send each member once.";
        else if (message.StartsWith("The JSON property", StringComparison.Ordinal) && message.Contains("could not be mapped", StringComparison.Ordinal))
            message = $"'{member}' is not a member of this request; remove it or check its spelling.";
        else if (field == BodyField && message.StartsWith("The input does not contain any JSON tokens", StringComparison.Ordinal))
            message = EmptyBody;
        else
            message = exception.InnerException?.Message ?? message;
        return new(field, message);
    }
}
