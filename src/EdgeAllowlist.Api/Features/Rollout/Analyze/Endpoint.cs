using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Http;
using EdgeAllowlist.EdgeFunction.Rollout;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Features.Rollout.Analyze;

/// <summary>Reads the function's log lines from the body as they stream in and answers the analysis.</summary>
sealed class Endpoint(IOptions<RolloutOptions> options) : EndpointWithoutRequest<AnalysisDocument>
{
    public override void Configure()
    {
        Post("/rollout/analyze");
        Permissions(ApiScopes.RulesRead);
        // No Accepts metadata: routing would answer a content type it does not list with 415 before authentication.
        Options(b => b.WithMetadata(new StreamedUpload()));
        Summary(s =>
        {
            s.Summary = "Analyse the function's report-mode log lines: counts by reason, top origins, User-Agents and paths, the time span, and suggested rule changes with the denials each turns into passes.";
            s.Description = "The body is NDJSON of the function's log lines, CloudWatch lines (request id prefix, START/END), or the JSON that aws logs filter-log-events prints; it is streamed, at most Rollout:MaxUploadBytes (default 256 MiB, else 413) and Rollout:MaxLines lines (else 413), worked on for at most Rollout:MaxDuration (else 422). Secrets in the lines are masked and origins and User-Agents cut to 128 characters, as the function logs them. Lines that are not the function's are counted in skipped. Never suggests anything for attack-like reasons or a wildcard over a public suffix.";
            s.Responses[413] = "The upload is larger than Rollout:MaxUploadBytes, or has more than Rollout:MaxLines lines.";
            s.Responses[422] = "The work passed Rollout:MaxDuration.";
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var limit = options.Value.MaxUploadBytes;
        AnalysisDocument document;
        try
        {
            var messages = RolloutUpload.Bounded(LogInput.ReadAsync(RolloutUpload.Body(HttpContext, limit), ct), options.Value, ct);
            document = await RolloutAnalyzer.AnalyzeAsync(messages, RolloutRules.Instance, ct);
        }
        catch (Exception e) when (e is Infrastructure.Errors.ProblemException or BadHttpRequestException or FormatException)
        {
            throw RolloutUpload.Translate(e, limit);
        }
        await Send.OkAsync(document, ct);
    }
}
