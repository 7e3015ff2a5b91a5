using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Api;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Rules;

/// <summary>
/// <c>export</c>, <c>plan</c> and <c>apply</c>: the rules kept as a desired-state file in Git, or
/// promoted from one environment's API to another's (<c>--from</c> stage <c>--to</c> prod: export
/// from the first, plan and apply on the second). The API computes every plan; the CLI shows it and
/// applies exactly the plan shown (its digest goes as If-Match).
/// </summary>
static class RulesCommands
{
    public static IEnumerable<Command> Build(CommonOptions options, CliEnvironment environment)
    {
        var file = new Argument<string?>("file") { Description = "Desired-state file (.yaml, .yml or .json)", Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<Uri?>("--from") { Description = "Promote: export the rules from this admin API (token: EDGE_ALLOWLIST_FROM_TOKEN) instead of reading a file", CustomParser = CommonOptions.AbsoluteUri };
        var to = new Option<Uri?>("--to") { Description = "The admin API to plan against or apply to (default: --api; token: EDGE_ALLOWLIST_TOKEN)", CustomParser = CommonOptions.AbsoluteUri };
        var force = new Option<bool>("--force") { Description = "Apply even when the plan deletes more rules than the API's limit (DesiredState:MaxDeletions)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply without asking (for CI)" };

        var export = new Command("export", "Write the rules as a desired-state file (YAML or JSON by extension), or YAML on stdout (JSON with --output json); never secrets")
        {
            file, options.Api,
        };
        export.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (options.AdminApi(parse) is not { } api)
                return output.Fail(ExitCodes.InvalidInput, "NoApi", "Set --api (or EDGE_ALLOWLIST_API) and EDGE_ALLOWLIST_TOKEN (a token with rules:read).");
            var document = await api.ExportDesiredStateAsync(cancellationToken);
            if (parse.GetValue(file) is { } path)
            {
                await DesiredStateFile.WriteAsync(path, document, cancellationToken);
                output.Result(new { file = path, origins = Count(document, "origins"), userAgents = Count(document, "userAgents"), partners = Count(document, "partners") },
                    console => console.MarkupLine($"wrote [bold]{Markup.Escape(path)}[/]: {Count(document, "origins")} origins, {Count(document, "userAgents")} User-Agent rules, {Count(document, "partners")} partners"));
            }
            else
                output.Result(document, console => environment.Out.Write(DesiredStateFile.ToYaml(document)));
            return ExitCodes.Ok;
        });

        var plan = new Command("plan", "Show what applying a desired-state file (or promoting --from one API --to another) would change: + added, - deleted, ~ changed")
        {
            file, from, to, options.Api,
        };
        plan.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (await PrepareAsync(parse, output, cancellationToken) is not { } prepared)
                return ExitCodes.InvalidInput;
            var planned = await prepared.Target.PlanDesiredStateAsync(prepared.Document, cancellationToken);
            output.Result(planned, console => PlanText.Render(console.MarkupLine, planned));
            return ExitCodes.Ok;
        });

        var apply = new Command("apply", "Show the plan of a desired-state file (or of a promotion --from --to), then apply exactly that plan as one audited change")
        {
            file, from, to, options.Api, force, yes,
        };
        apply.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (await PrepareAsync(parse, output, cancellationToken) is not { } prepared)
                return ExitCodes.InvalidInput;
            var planned = await prepared.Target.PlanDesiredStateAsync(prepared.Document, cancellationToken);
            PlanText.Render(output.Progress, planned);
            if (planned["changes"]?.AsArray().Count is null or 0)
            {
                output.Result(new { applied = false, plan = planned }, console => console.MarkupLine("[green]nothing to apply[/]"));
                return ExitCodes.Ok;
            }
            if (planned["needsForce"]?.GetValue<bool>() == true && !parse.GetValue(force))
                return output.Fail(ExitCodes.DeletionGate, "TooManyDeletions",
                    $"The plan deletes {planned["counts"]?["deletions"]} rules, more than the limit of {planned["maxDeletions"]}; nothing was written.", "review the plan, then run apply again with --force");
            if (!parse.GetValue(yes) && !PlanText.Confirmed(output, environment, "Apply this plan"))
                return output.Fail(ExitCodes.NotConfirmed, "NotConfirmed", "The plan was not confirmed; nothing was written.", "answer yes, or pass --yes in CI");
            JsonObject applied;
            try
            {
                applied = await prepared.Target.ApplyDesiredStateAsync(prepared.Document, planned["planDigest"]!.GetValue<string>(), parse.GetValue(force), cancellationToken);
            }
            catch (AdminApiException error) when (error.StatusCode == HttpStatusCode.Conflict)
            {
                return output.Fail(ExitCodes.ServiceError, "PlanChanged", "The rules changed after the plan was shown; nothing was written.", "run plan again, review it, then apply");
            }
            catch (AdminApiException error) when (error.StatusCode == HttpStatusCode.UnprocessableEntity && error.Message.Contains("force", StringComparison.Ordinal))
            {
                return output.Fail(ExitCodes.DeletionGate, "TooManyDeletions", error.Message, "review the plan, then run apply again with --force");
            }
            output.Result(new { applied = true, result = applied }, console =>
                console.MarkupLine($"[green]applied[/] as change {Markup.Escape(applied["changeId"]?.ToString() ?? "")} (audit entry {applied["auditSeq"]})"));
            return ExitCodes.Ok;
        });
        return [export, plan, apply];

        async Task<Prepared?> PrepareAsync(ParseResult parse, CommandOutput output, CancellationToken cancellationToken)
        {
            var targetUri = parse.GetValue(to) ?? parse.GetValue(options.Api);
            if (targetUri is null || environment.ApiToken is not { Length: > 0 } token)
            {
                output.Fail(ExitCodes.InvalidInput, "NoApi", "Set --to or --api (or EDGE_ALLOWLIST_API) and EDGE_ALLOWLIST_TOKEN for the API to plan against.");
                return null;
            }
            var target = new AdminApiClient(environment.Http, targetUri, token);
            var path = parse.GetValue(file);
            var source = parse.GetValue(from);
            if (path is null == source is null)
            {
                output.Fail(ExitCodes.InvalidInput, "NoDocument", "Give a desired-state file, or --from <admin API> to promote from, not both.");
                return null;
            }
            if (source is not null)
            {
                if (environment.SourceApiToken is not { Length: > 0 } sourceToken)
                {
                    output.Fail(ExitCodes.InvalidInput, "NoSourceToken", "Set EDGE_ALLOWLIST_FROM_TOKEN (a token with rules:read on the --from API).");
                    return null;
                }
                output.Progress($"exporting the rules of {Markup.Escape(source.ToString())}");
                return new(target, await new AdminApiClient(environment.Http, source, sourceToken).ExportDesiredStateAsync(cancellationToken));
            }
            if (!File.Exists(path))
            {
                output.Fail(ExitCodes.InvalidInput, "NoFile", $"{path} does not exist.");
                return null;
            }
            try
            {
                return new(target, await DesiredStateFile.ReadAsync(path!, cancellationToken));
            }
            catch (FormatException error)
            {
                output.Fail(ExitCodes.InvalidInput, "InvalidFile", error.Message);
                return null;
            }
        }
    }

    static int Count(JsonObject document, string section) => document[section]?.AsArray().Count ?? 0;

    sealed record Prepared(AdminApiClient Target, JsonObject Document);
}
