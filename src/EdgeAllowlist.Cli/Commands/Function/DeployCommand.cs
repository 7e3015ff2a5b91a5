using System.CommandLine;
using System.Text;
using System.Text.Json;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.Store;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary><c>function deploy</c>: create or update, TestFunction every case, publish only when all pass.</summary>
static class DeployCommand
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var name = new Option<string>("--name", "-n") { Description = "Function name", DefaultValueFactory = _ => "edge-allowlist" };
        name.Validators.Add(result =>
        {
            if (!CloudFrontNames.IsValid(result.GetValueOrDefault<string>()))
                result.AddError("--name must match [a-zA-Z0-9-_]{1,64}.");
        });
        var code = FunctionFiles.CodeOption();
        var events = FunctionFiles.EventsOption();
        var kvsArn = new Option<string?>("--kvs-arn") { Description = "ARN of the KeyValueStore to associate" };
        kvsArn.Validators.Add(result =>
        {
            // The ARN parser's own rules and messages, so a typo is caught before CloudFront is called.
            try
            {
                if (result.GetValueOrDefault<string?>() is { } arn)
                    KvsArn.Parse(arn);
            }
            catch (ArgumentException error)
            {
                result.AddError($"--kvs-arn: {error.Message.Split(" (Parameter")[0]}");
            }
        });
        var kvsName = new Option<string?>("--kvs-name") { Description = "Name of the KeyValueStore to associate (its ARN is looked up)" };
        var comment = new Option<string>("--comment") { Description = "Function comment", DefaultValueFactory = _ => "Edge Allowlist (managed by edge-allowlist)" };
        var maxCompute = new Option<int>("--max-compute") { Description = "Highest ComputeUtilization (0-100) a case may report", DefaultValueFactory = _ => 70 };
        maxCompute.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 100)
                result.AddError("--max-compute must be between 0 and 100.");
        });
        var noPublish = new Option<bool>("--no-publish") { Description = "Stop after the tests; leave LIVE as it is" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the code diff against DEVELOPMENT and the KeyValueStore association; write nothing" };

        var deploy = new Command("deploy", "Create or update the function with its KeyValueStore association, run TestFunction for every case, then publish")
        {
            name, code, events, kvsArn, kvsName, comment, maxCompute, noPublish, dryRun, options.CloudFrontEndpoint,
        };
        deploy.Validators.Add(result =>
        {
            if ((result.GetValue(kvsArn) is null) == (result.GetValue(kvsName) is null))
                result.AddError("Give exactly one of --kvs-arn and --kvs-name.");
        });
        deploy.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            byte[] codeBytes;
            IReadOnlyList<EventCase> cases;
            try
            {
                codeBytes = (await FunctionFiles.LoadCodeAsync(parse.GetRequiredValue(code), cancellationToken)).Bytes;
                cases = FunctionFiles.LoadCases(parse.GetRequiredValue(events));
            }
            catch (FunctionFiles.InvalidInputException error)
            {
                return output.Fail(ExitCodes.InvalidInput, error.Code, error.Message);
            }
            if (!cases.Any(c => c.UsesFixtureUnchanged))
                return output.Fail(ExitCodes.InvalidInput, "NoEvents", $"{parse.GetRequiredValue(events).FullName} has no case that runs against the store as it is; refusing to publish untested code.");

            var cloudFront = await options.CloudFrontAsync(parse);
            var arn = parse.GetValue(kvsArn)
                ?? (await cloudFront.DescribeKeyValueStoreAsync(parse.GetValue(kvsName)!, cancellationToken)).KeyValueStore.Arn;
            if (parse.GetValue(dryRun))
            {
                var preview = await DeployPreview.ComputeAsync(cloudFront, parse.GetRequiredValue(name), parse.GetRequiredValue(comment), codeBytes,
                    parse.GetRequiredValue(code).Name, arn, cases, cancellationToken);
                output.Result(preview, console => DeployPreview.Render(console, preview));
                return ExitCodes.Ok;
            }
            var deployment = new FunctionDeployment(cloudFront, line => output.Progress(Markup.Escape(line)));
            var report = await deployment.RunAsync(new(
                parse.GetRequiredValue(name), parse.GetRequiredValue(comment), codeBytes, arn, cases,
                parse.GetValue(maxCompute), !parse.GetValue(noPublish)), cancellationToken);

            output.Result(report, console => Render(console, report));
            return report.Problem is not null ? ExitCodes.VerificationFailed
                : !report.TestsPassed ? ExitCodes.FunctionTestsFailed
                : ExitCodes.Ok;
        });
        return deploy;
    }

    static void Render(IAnsiConsole console, DeploymentReport report)
    {
        var table = new Table().AddColumns("case", "expected", "actual", "compute", "result");
        foreach (var result in report.Cases)
            table.AddRow(
                Markup.Escape(result.Name),
                Markup.Escape(result.Expected),
                Markup.Escape(result.Actual),
                result.ComputeUtilization?.ToString() ?? "?",
                result.Passed ? "[green]pass[/]" : $"[red]FAIL[/] {Markup.Escape(result.Problem ?? "")}");
        console.Write(table);
        if (report.Skipped.Count > 0)
            console.MarkupLine($"[yellow]skipped[/] (they change the store fixture): {Markup.Escape(string.Join(", ", report.Skipped))}");
        if (report.Problem is not null)
            console.MarkupLine($"[red]stopped[/] {Markup.Escape(report.Problem)}");
        else if (!report.TestsPassed)
            console.MarkupLine("[red]stopped[/] a case failed; nothing was published, LIVE is unchanged.");
        else if (report.Published)
            console.MarkupLine($"[green]live[/] {Markup.Escape(report.Function)} is published with {Markup.Escape(report.KvsArn)}");
        else
            console.MarkupLine("[yellow]not published[/] (--no-publish): DEVELOPMENT is tested, LIVE is unchanged.");
    }
}
