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
    /// <summary>What the plan action returns when there are changes; the exit code it becomes depends on --detailed-exitcode.</summary>
    const int ChangesPlanned = -2;

    public static IEnumerable<Command> Build(CommonOptions options, CliEnvironment environment)
    {
        var file = new Argument<string?>("file") { Description = "Desired-state file (.yaml, .yml or .json)", Arity = ArgumentArity.ZeroOrOne };
        var from = new Option<Uri?>("--from") { Description = "Promote: export the rules from this admin API (token: EDGE_ALLOWLIST_FROM_TOKEN) instead of reading a file", CustomParser = CommonOptions.AbsoluteUri };
        var to = new Option<Uri?>("--to") { Description = "The admin API to plan against or apply to (default: --api; token: EDGE_ALLOWLIST_TOKEN)", CustomParser = CommonOptions.AbsoluteUri };
        var force = new Option<bool>("--force") { Description = "Apply even when the plan deletes more rules than the API's limit (DesiredState:MaxDeletions) or would break expectations (audited with the flips)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply without asking (for CI)" };

        var export = new Command("export", "Write the rules as a desired-state file (YAML or JSON by extension), or YAML on stdout (JSON with --output json); never secrets")
        {
            file,
        };
        options.WithApi(export);
        export.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (options.AdminApi(parse) is not { } api)
                return output.Fail(ExitCodes.InvalidInput, "NoApi", CommonOptions.NoApi("rules:read"));
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

        var planOut = new Option<string?>("--out", "-out") { Description = "Save the exact plan, with the store state it was computed against, to this file; apply it with apply PLAN" };
        var detailedExitCode = new Option<bool>("--detailed-exitcode") { Description = "Exit 0 when there is nothing to change, 2 when there are changes, 1 on any error" };
        var plan = new Command("plan", "Show what applying a desired-state file (or promoting --from one API --to another) would change: + added, - deleted, ~ changed")
        {
            file, from, to, planOut, detailedExitCode,
        };
        options.WithApi(plan);
        plan.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (await PrepareAsync(parse, output, cancellationToken) is not { } prepared)
                return ExitCodes.InvalidInput;
            var status = await prepared.Target.StatusAsync(cancellationToken);
            WarnUnmanaged(output, status);
            var outPath = parse.GetValue(planOut);
            // The base is read before the plan: if the rules move in between, apply sees a move and refuses.
            var baseRules = outPath is null ? null : SavedPlan.Managed(prepared.Document, await prepared.Target.ExportDesiredStateAsync(cancellationToken));
            var planned = await prepared.Target.PlanDesiredStateAsync(prepared.Document, cancellationToken);
            if (outPath is not null)
            {
                await new SavedPlan(prepared.TargetUri, environment.Clock.GetUtcNow(), prepared.Document, planned, status["eTag"]?.GetValue<string>(), baseRules!)
                    .WriteAsync(outPath, cancellationToken);
            }
            output.Result(planned, console =>
            {
                PlanText.Render(console.MarkupLine, planned);
                if (outPath is not null)
                    console.MarkupLine($"saved the plan to [bold]{Markup.Escape(outPath)}[/]: edge-allowlist apply {Markup.Escape(outPath)} applies exactly this plan");
            });
            return planned["changes"]?.AsArray().Count is > 0 ? ChangesPlanned : ExitCodes.Ok;
        }, exitCode: (parse, code) => (code, parse.GetValue(detailedExitCode)) switch
        {
            (ChangesPlanned, true) => ExitCodes.PlanHasChanges,
            (ChangesPlanned, false) => ExitCodes.Ok,
            // Every failure is 1, so that 2 means "changes" and nothing else.
            (not ExitCodes.Ok, true) => ExitCodes.InvalidInput,
            _ => code,
        });

        var apply = new Command("apply", "Apply a plan saved by plan -out exactly (or refuse, naming what moved), or show the plan of a desired-state file (or of a promotion --from --to) and apply exactly that plan, as one audited change")
        {
            file, from, to, force, yes,
        };
        options.WithApi(apply);
        apply.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (parse.GetValue(file) is { } path && SavedPlan.TryRead(path) is { } saved)
                return await ApplySavedAsync(parse, output, path, saved, cancellationToken);
            if (await PrepareAsync(parse, output, cancellationToken) is not { } prepared)
                return ExitCodes.InvalidInput;
            var planned = await prepared.Target.PlanDesiredStateAsync(prepared.Document, cancellationToken);
            PlanText.Render(output.Progress, planned);
            if (planned["changes"]?.AsArray().Count is null or 0)
            {
                output.Result(new { applied = false, plan = planned }, console => console.MarkupLine("[green]nothing to apply[/]"));
                return ExitCodes.Ok;
            }
            if (PlanText.DeletionGate(output, planned, parse.GetValue(force)) is { } gated)
                return gated;
            if (PlanText.ExpectationGate(output, planned, parse.GetValue(force)) is { } flipped)
                return flipped;
            if (!parse.GetValue(yes) && !PlanText.Confirmed(output, environment, "Apply this plan"))
                return output.Fail(ExitCodes.NotConfirmed, "NotConfirmed", "The plan was not confirmed; nothing was written.", "answer yes, or pass --yes in CI");
            JsonObject applied;
            try
            {
                output.Counter("applying", 0, 1);
                applied = await prepared.Target.ApplyDesiredStateAsync(prepared.Document, planned["planDigest"]!.GetValue<string>(), parse.GetValue(force), cancellationToken);
                output.Counter("applying", 1, 1);
            }
            catch (AdminApiException error) when (error.StatusCode == HttpStatusCode.Conflict && PlanText.Flips(error.Problem) is { Count: > 0 } flips)
            {
                return FlipsFound(output, flips);
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

        // A saved plan was reviewed when it was made: it runs without a prompt, exactly as saved, or not at all.
        // It is also a file anyone may have written: the URL in it only checks the API the caller names (the
        // token never goes to it), and what is shown and applied is the API's plan of its document, never its own copy.
        async Task<int> ApplySavedAsync(ParseResult parse, CommandOutput output, string path, SavedPlan saved, CancellationToken cancellationToken)
        {
            if (parse.GetValue(from) is not null)
                return output.Fail(ExitCodes.InvalidInput, "PlanHasDocument", $"{path} is a saved plan; it carries its own document, so --from does not apply.");
            if ((parse.GetValue(to) ?? parse.GetValue(options.Api)) is not { } named)
                return output.Fail(ExitCodes.InvalidInput, "NoApi",
                    $"{path} was planned against {saved.Api}; name the API to apply it to with --to or --api (or EDGE_ALLOWLIST_API): the token goes only to an API you name, never to one a plan file names.",
                    $"edge-allowlist apply {path} --to {saved.Api}");
            if (named.AbsoluteUri != saved.Api.AbsoluteUri)
                return output.Fail(ExitCodes.InvalidInput, "PlanForOtherApi", $"{path} was planned against {saved.Api}, not {named}; nothing was written.", $"plan against {named} and apply that plan");
            if (options.TokenOf(parse) is not { Length: > 0 } token)
                return output.Fail(ExitCodes.InvalidInput, "NoApi", CommonOptions.NoApi("rules:write"));
            var api = new AdminApiClient(environment.Http, named, token);
            var next = $"run plan again, review it, save it with -out and apply that ({path} is from {saved.CreatedAt:u})";

            var moved = SavedPlan.Moved(saved.BaseRules, SavedPlan.Managed(saved.Document, await api.ExportDesiredStateAsync(cancellationToken)));
            if (moved.Count > 0)
                return output.Fail(ExitCodes.PlanStale, "PlanStale", $"The rules moved since the plan was made; nothing was written. {string.Join("; ", moved)}", next);
            var eTag = (await api.StatusAsync(cancellationToken))["eTag"]?.GetValue<string>();
            if (eTag != saved.BaseETag)
                output.Progress($"[grey]the store changed since the plan (ETag {Markup.Escape(saved.BaseETag ?? "none")} -> {Markup.Escape(eTag ?? "none")}) outside the rules this plan manages; the plan still holds[/]");

            // The file's plan is only what was reviewed: the API plans the file's document again, and any
            // difference (a document edited after review, with a digest fetched for it) refuses the file.
            var planned = await api.PlanDesiredStateAsync(saved.Document, cancellationToken);
            var differences = SavedPlan.Differences(saved.Plan, planned);
            if (differences.Count > 0 || planned["planDigest"]?.GetValue<string>() != saved.Plan["planDigest"]?.GetValue<string>())
                return output.Fail(ExitCodes.PlanStale, "PlanStale",
                    $"{path} does not hold the API's plan of its own document; nothing was written. {(differences.Count > 0 ? string.Join("; ", differences) : "The plan's digest differs.")}", next);
            PlanText.Render(output.Progress, planned);
            if (planned["changes"]?.AsArray().Count is null or 0)
            {
                output.Result(new { applied = false, plan = planned }, console => console.MarkupLine("[green]nothing to apply[/]"));
                return ExitCodes.Ok;
            }
            if (PlanText.DeletionGate(output, planned, parse.GetValue(force)) is { } gated)
                return gated;
            if (PlanText.ExpectationGate(output, saved.Plan, parse.GetValue(force)) is { } flipped)
                return flipped;
            JsonObject applied;
            try
            {
                output.Counter("applying", 0, 1);
                applied = await api.ApplyDesiredStateAsync(saved.Document, planned["planDigest"]!.GetValue<string>(), parse.GetValue(force), cancellationToken);
                output.Counter("applying", 1, 1);
            }
            catch (AdminApiException error) when (error.StatusCode == HttpStatusCode.Conflict && PlanText.Flips(error.Problem) is { Count: > 0 } flips)
            {
                return FlipsFound(output, flips);
            }
            catch (AdminApiException error) when (error.StatusCode == HttpStatusCode.Conflict)
            {
                // The API re-plans under its write lock: it answers 409 with the plan it would run instead.
                var moves = error.Problem?["currentPlan"] is JsonObject current ? SavedPlan.Differences(planned, current) : [];
                return output.Fail(ExitCodes.PlanStale, "PlanStale",
                    $"The rules moved while the plan was applied; nothing was written. {(moves.Count > 0 ? string.Join("; ", moves) : error.Message)}", next);
            }
            output.Result(new { applied = true, plan = path, result = applied }, console =>
                console.MarkupLine($"[green]applied[/] {Markup.Escape(path)} as change {Markup.Escape(applied["changeId"]?.ToString() ?? "")} (audit entry {applied["auditSeq"]})"));
            return ExitCodes.Ok;
        }

        async Task<Prepared?> PrepareAsync(ParseResult parse, CommandOutput output, CancellationToken cancellationToken)
        {
            var targetUri = parse.GetValue(to) ?? parse.GetValue(options.Api);
            if (targetUri is null || options.TokenOf(parse) is not { Length: > 0 } token)
            {
                output.Fail(ExitCodes.InvalidInput, "NoApi", "Set --to or --api (or EDGE_ALLOWLIST_API) and --token (or EDGE_ALLOWLIST_TOKEN) for the API to plan against.");
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
                return new(targetUri, target, await new AdminApiClient(environment.Http, source, sourceToken).ExportDesiredStateAsync(cancellationToken));
            }
            if (!File.Exists(path))
            {
                output.Fail(ExitCodes.InvalidInput, "NoFile", $"{path} does not exist.");
                return null;
            }
            try
            {
                return new(targetUri, target, await DesiredStateFile.ReadAsync(path!, cancellationToken));
            }
            catch (FormatException error)
            {
                output.Fail(ExitCodes.InvalidInput, "InvalidFile", error.Message);
                return null;
            }
        }
    }

    /// <summary>The API found flips the plan did not show (the store moved in between): refused all the same.</summary>
    static int FlipsFound(CommandOutput output, IReadOnlyList<string> flips) =>
        output.Fail(ExitCodes.ExpectationsWouldFlip, "ExpectationsWouldFlip",
            $"The change would break {flips.Count} expectation(s) that hold now ({string.Join("; ", flips)}); nothing was written.", "review them, then run again with --force (the flips are audited)");

    static int Count(JsonObject document, string section) => document[section]?.AsArray().Count ?? 0;

    /// <summary>Says when the store holds keys this service does not write: another tool (Terraform's keys_exclusive, say) may delete this service's keys.</summary>
    static void WarnUnmanaged(CommandOutput output, JsonObject status)
    {
        if (status["unmanagedKeys"]?.GetValue<int>() is > 0 and var count)
            output.Warn($"the store holds {count} key(s) this service does not manage ({string.Join(", ", status["unmanagedKeySample"]?.AsArray().Select(k => k?.ToString()) ?? [])}{(count > 10 ? ", ..." : "")}): "
                + "another tool writes the same store; one that owns the whole store (Terraform's aws_cloudfrontkeyvaluestore_keys_exclusive) deletes these rules on its next run.");
    }

    sealed record Prepared(Uri TargetUri, AdminApiClient Target, JsonObject Document);
}
