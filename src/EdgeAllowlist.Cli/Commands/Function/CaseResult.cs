using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Aws.CloudFront;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>How one TestFunction run compares with its case.</summary>
public sealed record CaseResult(string Name, string Expected, string Actual, int? ComputeUtilization, bool Passed, string? Problem)
{
    /// <summary>
    /// Reads FunctionOutput (<c>{"request":…}</c> when the function passed the request on,
    /// <c>{"response":…}</c> when it answered) and checks it, and the compute used, against the case.
    /// </summary>
    public static CaseResult Judge(EventCase eventCase, TestResult result, int maxComputeUtilization)
    {
        var expected = eventCase.Expect.ToString();
        int? compute = int.TryParse(result.ComputeUtilization, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        if (!string.IsNullOrEmpty(result.FunctionErrorMessage))
            return new(eventCase.Name, expected, "error", compute, false, result.FunctionErrorMessage);
        var actual = Outcome(result.FunctionOutput);
        if (actual is null)
            return new(eventCase.Name, expected, "?", compute, false, "FunctionOutput is neither a request nor a response.");

        var problem = Mismatch(eventCase.Expect, actual)
            ?? (compute is null ? $"ComputeUtilization \"{result.ComputeUtilization}\" is not a number."
                : compute > maxComputeUtilization ? $"ComputeUtilization {compute} is above the limit of {maxComputeUtilization}." : null);
        return new(eventCase.Name, expected, actual.ToString(), compute, problem is null, problem);
    }

    static string? Mismatch(ExpectedOutcome expected, ExpectedOutcome actual)
    {
        if (expected.Action != actual.Action)
            return $"expected {expected.Action}, the function chose {actual.Action}.";
        if (expected.Uri is not null && expected.Uri != actual.Uri)
            return $"expected the origin to see {expected.Uri}, it would see {actual.Uri}.";
        if (expected.Status is not null && expected.Status != actual.Status)
            return $"expected status {expected.Status}, got {actual.Status}.";
        if (expected.Reason is not null && expected.Reason != actual.Reason)
            return $"expected reason {expected.Reason}, got {actual.Reason ?? "none"}.";
        return null;
    }

    static ExpectedOutcome? Outcome(string? functionOutput)
    {
        if (string.IsNullOrEmpty(functionOutput))
            return null;
        try
        {
            var output = JsonNode.Parse(functionOutput) as JsonObject;
            if (output?["request"] is JsonObject request)
                return new("pass", request["uri"]?.GetValue<string>(), null, null);
            if (output?["response"] is JsonObject response)
                return new("deny", null, response["statusCode"]?.GetValue<int>(), response["headers"]?["x-allowlist-reason"]?["value"]?.GetValue<string>());
            return null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
