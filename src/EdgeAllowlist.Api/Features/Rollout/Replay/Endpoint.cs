using System.Globalization;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Errors;
using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.EdgeFunction.Rollout;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EdgeAllowlist.Api.Features.Rollout.Replay;

/// <summary>
/// Replays recorded requests against a candidate rule set: a multipart body whose first part,
/// <c>rules</c>, is a desired-state document (JSON) and whose second, <c>log</c>, is the log in any
/// form analyze takes, streamed.
/// </summary>
sealed class Endpoint(EdgeFunctionRuntime runtime, TimeProvider time, IOptions<RolloutOptions> options) : EndpointWithoutRequest<ReplayDocument>
{
    public override void Configure()
    {
        Post("/rollout/replay");
        Permissions(ApiScopes.RulesRead);
        // No Accepts metadata: routing would answer a content type it does not list with 415 before authentication.
        Options(b => b.WithMetadata(new StreamedUpload()));
        Summary(s =>
        {
            s.Summary = "Replay recorded would-be denials against candidate rules through the real function: nowPass and stillDenied by reason with examples, and whether enforcing would be safe.";
            s.Description = "multipart/form-data with two parts in this order: rules (a desired-state document as JSON, the same as POST /v1/desired-state/plan takes; sections left out are empty or the contract's defaults) and log (as POST /v1/rollout/analyze takes). Query threshold (default 0): how many recorded requests that are not attack-like may still be blocked for the verdict to be safe. At most Rollout:MaxUploadBytes in all and Rollout:MaxLines log lines (else 413), worked on for at most Rollout:MaxDuration (else 422). Writes nothing.";
            s.Params["threshold"] = "Recorded requests that are not attack-like that enforcing may block and still be called safe (default 0).";
            s.Responses[413] = "The upload is larger than Rollout:MaxUploadBytes, or the log has more than Rollout:MaxLines lines.";
            s.Responses[422] = "The work passed Rollout:MaxDuration.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var threshold = 0L;
        if (HttpContext.Request.Query.TryGetValue("threshold", out var text)
            && (!long.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out threshold) || threshold < 0))
            throw new ProblemException(StatusCodes.Status400BadRequest, "threshold must be a whole number of 0 or more.", "threshold");
        var boundary = MediaTypeHeaderValue.TryParse(HttpContext.Request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
            throw new ProblemException(StatusCodes.Status415UnsupportedMediaType, "Send multipart/form-data with the parts rules (desired-state JSON) and log.", "Content-Type");

        var limit = options.Value.MaxUploadBytes;
        ReplayDocument document;
        try
        {
            var reader = new MultipartReader(boundary, RolloutUpload.Body(HttpContext, limit));
            var rules = await reader.ReadNextSectionAsync(ct);
            if (rules is null || PartName(rules) != "rules")
                throw new ProblemException(StatusCodes.Status400BadRequest, "The first part must be rules: the candidate desired-state document as JSON.", "rules");
            var (candidate, errors) = await RolloutCandidate.CompileAsync(rules.Body, "rules", ct);
            foreach (var error in errors)
                AddError(error.ToFailure());
            ThrowIfAnyErrors();
            var log = await reader.ReadNextSectionAsync(ct);
            if (log is null || PartName(log) != "log")
                throw new ProblemException(StatusCodes.Status400BadRequest, "The second part must be log: the function's log lines.", "log");
            document = await ReplayEngine.ReplayAsync(RolloutUpload.Bounded(LogInput.ReadAsync(log.Body, ct), options.Value, ct), runtime, candidate!, threshold, time.GetUtcNow(), ct);
        }
        catch (Exception e) when (e is ProblemException or BadHttpRequestException or FormatException or InvalidDataException)
        {
            throw e is InvalidDataException ? new ProblemException(StatusCodes.Status400BadRequest, $"The multipart body is malformed: {e.Message}", "body") : RolloutUpload.Translate(e, limit);
        }
        await Send.OkAsync(document, ct);
    }

    static string? PartName(Microsoft.AspNetCore.WebUtilities.MultipartSection section) =>
        ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) ? HeaderUtilities.RemoveQuotes(disposition.Name).Value : null;
}
