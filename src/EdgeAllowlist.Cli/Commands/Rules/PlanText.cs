using System.Text.Json.Nodes;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Rules;

/// <summary>How plans (apply, rollback) are shown to people and confirmed.</summary>
static class PlanText
{
    public static bool Confirmed(CommandOutput output, CliEnvironment environment, string question)
    {
        if (output.Format is OutputFormat.Json or OutputFormat.Yaml)
            return false;
        environment.Out.Write($"{question}? Type yes to continue: ");
        return environment.In.ReadLine()?.Trim() == "yes";
    }

    /// <summary>One line per change (+ add, - delete, ~ change) and the counts.</summary>
    public static void Render(Action<string> markupLine, JsonObject plan)
    {
        foreach (var change in plan["changes"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var (sign, colour, detail) = change["op"]?.GetValue<string>() switch
            {
                "add" => ("+", "green", Compact(change["after"])),
                "remove" => ("-", "red", Compact(change["before"])),
                _ => ("~", "yellow", $"{Compact(change["before"])} -> {Compact(change["after"])}"),
            };
            markupLine($"[{colour}]{sign} {Markup.Escape(change["kind"]?.ToString() ?? "")} {Markup.Escape(change["id"]?.ToString() ?? "")}[/] {Markup.Escape(detail)}");
        }
        var counts = plan["counts"];
        markupLine($"Plan: {counts?["additions"]} to add, {counts?["deletions"]} to delete, {counts?["changes"]} to change.");
        if (plan["needsForce"]?.GetValue<bool>() == true)
            markupLine($"[red]The plan deletes more than {plan["maxDeletions"]} rules: apply needs --force.[/]");
        var flips = Flips(plan);
        foreach (var flip in flips)
            markupLine($"[red]! expectation {Markup.Escape(flip)}[/]");
        if (flips.Count > 0)
            markupLine($"[red]The plan would break {flips.Count} expectation(s) that hold now: apply needs --force (the flips are audited).[/]");
    }

    /// <summary>Each flip of a plan or a 409 problem as one line: name, before -> after, reason.</summary>
    public static IReadOnlyList<string> Flips(JsonNode? planOrProblem) =>
        [.. planOrProblem?["flips"]?.AsArray().OfType<JsonObject>().Select(f =>
            $"{f["name"]}: {f["before"]} -> {f["after"]}{(f["reason"] is { } reason ? $" ({reason})" : "")}") ?? []];

    /// <summary>
    /// The API refuses a change that flips expectations unless forced; saying so before the call
    /// lists them and names the flag. Null when the plan may go ahead.
    /// </summary>
    public static int? ExpectationGate(CommandOutput output, JsonObject plan, bool force, string what = "plan") =>
        Flips(plan) is { Count: > 0 } flips && !force
            ? output.Fail(ExitCodes.ExpectationsWouldFlip, "ExpectationsWouldFlip",
                $"The {what} would break {flips.Count} expectation(s) that hold now ({string.Join("; ", flips)}); nothing was written.", "review them, then run again with --force (the flips are audited)")
            : null;

    static string Compact(JsonNode? node) => node switch
    {
        null => "",
        JsonObject o => string.Join(", ", o.Where(m => m.Value is not null).Select(m => $"{m.Key}={m.Value!.ToJsonString()}")),
        _ => node.ToJsonString(),
    };

    /// <summary>
    /// The API refuses a plan that deletes more rules than its limit unless forced; saying so before
    /// the call gives the user the count and the flag. Null when the plan may go ahead.
    /// </summary>
    public static int? DeletionGate(CommandOutput output, JsonObject plan, bool force, string what = "plan") =>
        plan["needsForce"]?.GetValue<bool>() == true && !force
            ? output.Fail(ExitCodes.DeletionGate, "TooManyDeletions",
                $"The {what} deletes {plan["counts"]?["deletions"]} rules, more than the limit of {plan["maxDeletions"]}; nothing was written.", "review the plan, then run again with --force")
            : null;
}
