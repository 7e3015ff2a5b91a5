using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeAllowlist.Api.Infrastructure.Crypto;
using FluentValidation.Results;

namespace EdgeAllowlist.Api.Infrastructure.Errors;

/// <summary>
/// The one translation from a failure to an answer: RFC 9457 problem details in FastEndpoints' own
/// shape (title from the status, <c>detail</c>, <c>errors</c> naming the field), the same whether a
/// validator, an endpoint, a domain service or a middleware found the failure. Endpoints reach it
/// through <see cref="ProblemTranslation"/>; middleware, which runs outside FastEndpoints, calls it.
/// </summary>
public static partial class Problems
{
    public const string ContentType = "application/problem+json";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static Task WriteAsync(HttpContext context, ProblemException problem)
    {
        foreach (var (name, value) in problem.Headers)
            context.Response.Headers[name] = value;
        // A secret pasted into a path must not be echoed back (SecretShapedInputMiddleware refuses such a request with this very answer).
        var detail = SecretRedaction.Redact(problem.Message);
        var details = new ProblemDetails([], SecretRedaction.Redact(context.Request.Path.Value ?? ""), context.TraceIdentifier, problem.StatusCode)
        {
            Detail = detail,
            // Named as the request spells it (a header such as Idempotency-Key keeps its case).
            Errors = problem.Field is { } field ? [new(new ValidationFailure(field, detail)) { Name = field }] : [],
        };
        RejectionReason.Record(context, problem.Field is { } named ? [(named, detail)] : [("", detail)]);
        // Marked as sent, so FastEndpoints does not answer a second time behind it (the body may be buffered).
        context.MarkResponseStart();
        context.Response.StatusCode = problem.StatusCode;
        var body = JsonSerializer.SerializeToNode(details, Json)!.AsObject();
        // FastEndpoints' ProblemDetails has a read-only type and title, for a 503 those of a 400.
        if (TypeOf(problem.StatusCode) is { } type)
            body["type"] = type;
        if ((problem.Title ?? TitleOf(problem.StatusCode)) is { } title)
            body["title"] = title;
        foreach (var (name, value) in problem.Extensions)
            body[name] = JsonSerializer.SerializeToNode(value, value.GetType(), Json);
        return context.Response.WriteAsJsonAsync(body, Json, ContentType, context.RequestAborted);
    }
}

/// <summary>
/// The section of RFC 9110 (RFC 6585 for 428 and 429) that defines a status, as the problem's
/// <c>type</c>, and its reason phrase as the <c>title</c>, whoever answers (this translation, or
/// FastEndpoints for a validator or ThrowError, configured in Program.cs): FastEndpoints alone gives
/// every status the 400 section's URL and "One or more errors occurred.".
/// </summary>
public static partial class Problems
{
    static readonly Dictionary<int, (string Section, string Title)> Statuses = new()
    {
        [400] = ("rfc9110#section-15.5.1", "Bad Request"),
        [401] = ("rfc9110#section-15.5.2", "Unauthorized"),
        [403] = ("rfc9110#section-15.5.4", "Forbidden"),
        [404] = ("rfc9110#section-15.5.5", "Not Found"),
        [405] = ("rfc9110#section-15.5.6", "Method Not Allowed"),
        [409] = ("rfc9110#section-15.5.10", "Conflict"),
        [412] = ("rfc9110#section-15.5.13", "Precondition Failed"),
        [413] = ("rfc9110#section-15.5.14", "Content Too Large"),
        [415] = ("rfc9110#section-15.5.16", "Unsupported Media Type"),
        [422] = ("rfc9110#section-15.5.21", "Unprocessable Content"),
        [428] = ("rfc6585#section-3", "Precondition Required"),
        [429] = ("rfc6585#section-4", "Too Many Requests"),
        [500] = ("rfc9110#section-15.6.1", "Internal Server Error"),
        [503] = ("rfc9110#section-15.6.4", "Service Unavailable"),
    };

    public static string? TypeOf(int status) => Statuses.TryGetValue(status, out var s) ? "https://www.rfc-editor.org/rfc/" + s.Section : null;

    public static string? TitleOf(int status) => Statuses.TryGetValue(status, out var s) ? s.Title : null;
}

/// <summary>Turns a <see cref="ProblemException"/> thrown by an endpoint or a service it calls into its answer; every endpoint runs it.</summary>
sealed class ProblemTranslation : IGlobalPostProcessor
{
    public Task PostProcessAsync(IPostProcessorContext context, CancellationToken ct)
    {
        // A validator's refusal (answered by FastEndpoints itself): the rejection's audit entry names the fields as the 400 does.
        if (context.HasValidationFailures)
            RejectionReason.Record(context.HttpContext, [.. context.ValidationFailures.Select(f => (JsonNamingPolicy.CamelCase.ConvertName(f.PropertyName), f.ErrorMessage))]);
        if (context.ExceptionDispatchInfo?.SourceException is not ProblemException problem || context.HttpContext.ResponseStarted())
            return Task.CompletedTask;
        context.MarkExceptionAsHandled();
        return Problems.WriteAsync(context.HttpContext, problem);
    }
}
