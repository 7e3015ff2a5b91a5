using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using FluentValidation.Results;

namespace EdgeAllowlist.Api.Infrastructure.Errors;

/// <summary>
/// The one translation from a failure to an answer: RFC 9457 problem details in FastEndpoints' own
/// shape (title from the status, <c>detail</c>, <c>errors</c> naming the field), the same whether a
/// validator, an endpoint, a domain service or a middleware found the failure. Endpoints reach it
/// through <see cref="ProblemTranslation"/>; middleware, which runs outside FastEndpoints, calls it.
/// </summary>
public static class Problems
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
        RejectionAuditMiddleware.RecordReason(context, problem.Field is { } named ? [(named, detail)] : [("", detail)]);
        // Marked as sent, so FastEndpoints does not answer a second time behind it (the body may be buffered).
        context.MarkResponseStart();
        context.Response.StatusCode = problem.StatusCode;
        if (problem.Extensions.Count == 0)
            return context.Response.WriteAsJsonAsync(details, Json, ContentType, context.RequestAborted);
        var body = JsonSerializer.SerializeToNode(details, Json)!.AsObject();
        foreach (var (name, value) in problem.Extensions)
            body[name] = JsonSerializer.SerializeToNode(value, value.GetType(), Json);
        return context.Response.WriteAsJsonAsync(body, Json, ContentType, context.RequestAborted);
    }
}

/// <summary>Turns a <see cref="ProblemException"/> thrown by an endpoint or a service it calls into its answer; every endpoint runs it.</summary>
sealed class ProblemTranslation : IGlobalPostProcessor
{
    public Task PostProcessAsync(IPostProcessorContext context, CancellationToken ct)
    {
        // A validator's refusal (answered by FastEndpoints itself): the rejection's audit entry names the fields as the 400 does.
        if (context.HasValidationFailures)
            RejectionAuditMiddleware.RecordReason(context.HttpContext, [.. context.ValidationFailures.Select(f => (JsonNamingPolicy.CamelCase.ConvertName(f.PropertyName), f.ErrorMessage))]);
        if (context.ExceptionDispatchInfo?.SourceException is not ProblemException problem || context.HttpContext.ResponseStarted())
            return Task.CompletedTask;
        context.MarkExceptionAsHandled();
        return Problems.WriteAsync(context.HttpContext, problem);
    }
}
