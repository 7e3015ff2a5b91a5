using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.EdgeFunction;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>How one TestFunction run compares with its case.</summary>
public sealed record CaseResult(string Name, string Expected, string Actual, int? ComputeUtilization, bool Passed, string? Problem)
{
    /// <summary>
    /// Checks FunctionOutput (<c>{"request":…}</c> when the function passed the request on,
    /// <c>{"response":…}</c> when it answered) with the cases' own comparison, and the compute used
    /// against the limit. Read counts and log lines are checked locally only (function/README.md §7):
    /// TestFunction reports no reads, and its log lines are not part of the contract.
    /// </summary>
    public static CaseResult Judge(EventCase eventCase, TestResult result, int maxComputeUtilization)
    {
        var expected = Describe(eventCase.Expect);
        int? compute = int.TryParse(result.ComputeUtilization, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
        if (!string.IsNullOrEmpty(result.FunctionErrorMessage))
            return new(eventCase.Name, expected, "error", compute, false, result.FunctionErrorMessage);
        if (Parse(result.FunctionOutput) is not { } output)
            return new(eventCase.Name, expected, "?", compute, false, "FunctionOutput is neither a request nor a response.");

        var mismatches = (eventCase.Expect with { Reads = null, Log = null }).Mismatches(output, logs: [], reads: null);
        var problem = mismatches.Count > 0 ? string.Join("; ", mismatches)
            : compute is null ? $"ComputeUtilization \"{result.ComputeUtilization}\" is not a number."
            : compute > maxComputeUtilization ? $"ComputeUtilization {compute} is above the limit of {maxComputeUtilization}."
            : null;
        return new(eventCase.Name, expected, Describe(output), compute, problem is null, problem);
    }

    /// <summary>
    /// Checks a local run (<c>function test</c>) with everything the case expects, read count and log
    /// line included, since the local runtime reports both. Compute is CloudFront's to measure: null here.
    /// </summary>
    public static CaseResult Judge(EventCase eventCase, EdgeOutcome outcome)
    {
        var expected = Describe(eventCase.Expect);
        if (outcome.Action == EdgeAction.Failed)
            return new(eventCase.Name, expected, "error", null, false, outcome.Error ?? "The function failed.");
        var mismatches = eventCase.Expect.Mismatches(outcome.Output, outcome.Logs, outcome.KvsReads);
        return new(eventCase.Name, expected, Describe(outcome.Output), null, mismatches.Count == 0,
            mismatches.Count == 0 ? null : string.Join("; ", mismatches));
    }

    static string Describe(EventExpectation expect) => expect.Action == "pass"
        ? $"pass {expect.Uri}".TrimEnd()
        : $"deny {expect.Status?.ToString(CultureInfo.InvariantCulture) ?? "*"} {expect.Reason}".TrimEnd();

    static string Describe(JsonObject output) => output["request"] is { } request
        ? $"pass {request["uri"]}".TrimEnd()
        : $"deny {output["response"]?["statusCode"]} {output["response"]?["headers"]?["x-allowlist-reason"]?["value"]}".TrimEnd();

    static JsonObject? Parse(string? functionOutput)
    {
        try
        {
            return JsonNode.Parse(functionOutput ?? "") is JsonObject output && (output["request"] is JsonObject || output["response"] is JsonObject)
                ? output
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
