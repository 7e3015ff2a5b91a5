using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Api;
using EdgeAllowlist.Cli.Commands.Rules;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.State;

/// <summary><c>simulate</c>, <c>status</c> and <c>rollback</c>: what the function does with a request, the store's health, and undoing changes.</summary>
static class StateCommands
{
    public static IEnumerable<Command> Build(CommonOptions options, CliEnvironment environment)
    {
        var uri = new Argument<string>("uri") { Description = "The request path, e.g. /v1/master/abc/index.m3u8 or /_p/<secret>/index.m3u8" };
        var method = new Option<string>("--method") { Description = "HTTP method", DefaultValueFactory = _ => "GET" };
        var headers = new Option<string[]>("--header", "-H") { Description = "A request header as 'name: value' (repeat for several)", AllowMultipleArgumentsPerToken = false };
        var viewerIp = new Option<string?>("--viewer-ip") { Description = "The viewer's IP address" };
        var expect = new Option<string?>("--expect")
        {
            Description = $"pass, deny or deny:<reason>: exit {ExitCodes.ExpectationFailed} when the function decides otherwise (a CI smoke test)",
            Validators = { result => { if (result.GetValueOrDefault<string?>() is { } e && ParseExpectation(e) is null) result.AddError("--expect must be pass, deny or deny:<reason>."); } },
        };
        var simulate = new Command("simulate", "Run the deployed function file on a request against the current store: pass or deny, why, and the KVS reads")
        {
            uri, method, headers, viewerIp, expect,
        }.SetApiAction(options, environment, "rules:read", async (parse, output, api, ct) =>
        {
            var request = new JsonObject { ["method"] = parse.GetValue(method), ["uri"] = parse.GetValue(uri) };
            var headerObject = new JsonObject();
            foreach (var header in parse.GetValue(headers) ?? [])
            {
                var colon = header.IndexOf(':');
                if (colon <= 0)
                    return output.Fail(ExitCodes.InvalidInput, "InvalidHeader", $"--header '{header}' is not 'name: value'.");
                headerObject[header[..colon].Trim().ToLowerInvariant()] = header[(colon + 1)..].Trim();
            }
            if (headerObject.Count > 0)
                request["headers"] = headerObject;
            if (parse.GetValue(viewerIp) is { } ip)
                request["viewerIp"] = ip;
            var decision = await api.SimulateAsync(request, ct);
            output.Result(decision, console =>
            {
                var action = decision["action"]?.ToString() ?? "";
                console.MarkupLine($"[{(action == "pass" ? "green" : "red")}]{Markup.Escape(action)}[/] {Markup.Escape(decision["status"]?.ToString() ?? "")} {Markup.Escape(decision["reason"]?.ToString() ?? "")}".TrimEnd());
                console.MarkupLine(decision["uri"] is { } passedOn ? $"origin request {Markup.Escape(passedOn.ToString())}, {decision["kvsReads"]} KVS reads" : $"{decision["kvsReads"]} KVS reads");
            });
            if (parse.GetValue(expect) is { } expected && ParseExpectation(expected) is var (action, reason))
            {
                var got = decision["action"]?.ToString() ?? "";
                var gotReason = decision["reason"]?.ToString();
                if (got != action || reason is not null && gotReason != reason)
                    return output.Fail(ExitCodes.ExpectationFailed, "ExpectationFailed",
                        $"Expected {expected}, the function decided {got}{(gotReason is null ? "" : $" ({gotReason})")}.");
            }
            return ExitCodes.Ok;
        });

        var status = new Command("status", "The store's keys, bytes of the 5 MB quota, ETag, drift and the audit chain").SetApiAction(options, environment, "rules:read", async (parse, output, api, ct) =>
        {
            output.Fields(await api.StatusAsync(ct));
            return ExitCodes.Ok;
        });

        var toSeq = new Option<long>("--to-seq") { Description = "The audit entry (seq) whose state to go back to: every later change is undone", Required = true };
        var apply = new Option<bool>("--apply") { Description = "Apply the rollback (without it, only the plan is shown)" };
        var force = new Option<bool>("--force") { Description = "Apply even when the rollback deletes more rules than the API's limit or would break expectations (audited with the flips)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply without asking (for CI)" };
        var rollback = new Command("rollback", "Bring the rules (origins, notes, User-Agent rules, settings) back to how they were right after an audit entry; a plan unless --apply")
        {
            toSeq, apply, force, yes,
        }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            var seq = parse.GetValue(toSeq);
            var dryRun = await api.RollbackAsync(new JsonObject { ["toSeq"] = seq, ["dryRun"] = true }, ct);
            var plan = dryRun["plan"]!.AsObject();
            if (!parse.GetValue(apply) || plan["changes"]?.AsArray().Count is null or 0)
            {
                output.Result(dryRun, console =>
                {
                    PlanText.Render(console.MarkupLine, plan);
                    if (plan["changes"]?.AsArray().Count is > 0)
                        console.MarkupLine("[grey]nothing written: run again with --apply to roll back[/]");
                });
                return ExitCodes.Ok;
            }
            PlanText.Render(output.Progress, plan);
            if (PlanText.DeletionGate(output, plan, parse.GetValue(force), "rollback") is { } gated)
                return gated;
            if (PlanText.ExpectationGate(output, plan, parse.GetValue(force), "rollback") is { } flipped)
                return flipped;
            if (!parse.GetValue(yes) && !PlanText.Confirmed(output, environment, "Roll back"))
                return output.Fail(ExitCodes.NotConfirmed, "NotConfirmed", "The rollback was not confirmed; nothing was written.", "answer yes, or pass --yes in CI");
            JsonObject applied;
            try
            {
                applied = await api.RollbackAsync(new JsonObject
                {
                    ["toSeq"] = seq,
                    ["dryRun"] = false,
                    ["force"] = parse.GetValue(force),
                    ["expectedPlanDigest"] = plan["planDigest"]?.GetValue<string>(),
                }, ct, parse.GetValue(force));
            }
            catch (AdminApiException error) when (error.StatusCode == HttpStatusCode.Conflict && PlanText.Flips(error.Problem) is { Count: > 0 } flips)
            {
                return output.Fail(ExitCodes.ExpectationsWouldFlip, "ExpectationsWouldFlip",
                    $"The rollback would break {flips.Count} expectation(s) that hold now ({string.Join("; ", flips)}); nothing was written.", "review them, then run again with --force");
            }
            catch (AdminApiException error) when (error.StatusCode == HttpStatusCode.Conflict)
            {
                return output.Fail(ExitCodes.ServiceError, "PlanChanged", "The rules changed after the rollback plan was shown; nothing was written.", "run rollback again and review the plan");
            }
            output.Result(applied, console =>
                console.MarkupLine($"[green]rolled back[/] to entry {seq} as change {Markup.Escape(applied["applied"]?["changeId"]?.ToString() ?? "")} (audit entry {applied["applied"]?["auditSeq"]})"));
            return ExitCodes.Ok;
        });

        return [simulate, status, rollback];

        // "deny" alone accepts any reason; "deny:ua-denied" only that one.
        static (string Action, string? Reason)? ParseExpectation(string text) => text.Split(':', 2) switch
        {
            ["pass"] => ("pass", null),
            ["deny"] => ("deny", null),
            ["deny", { Length: > 0 } reason] => ("deny", reason),
            _ => null,
        };
    }
}
