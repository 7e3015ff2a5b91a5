using System.CommandLine;
using EdgeAllowlist.Aws.CloudFront;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>
/// <c>function attach</c>: the published function on viewer-request of one cache behaviour, through
/// GetDistributionConfig, an edit of that one element, and UpdateDistribution with the ETag read.
/// </summary>
static class AttachCommand
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var name = new Option<string>("--name", "-n") { Description = "Function name", DefaultValueFactory = _ => "edge-allowlist" };
        var distribution = new Option<string>("--distribution") { Description = "Distribution id (E…)", Required = true };
        var pathPattern = new Option<string>("--path-pattern")
        {
            Description = "Path pattern of the cache behaviour, as in the distribution (* for the default behaviour)",
            Required = true,
        };
        var replace = new Option<bool>("--replace") { Description = "Replace another function already on viewer-request of that behaviour" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the change; write nothing" };
        var attach = new Command("attach", "Associate the LIVE function with a cache behaviour's viewer-request event, keeping every other field of the distribution")
        {
            name, distribution, pathPattern, replace, dryRun, options.CloudFrontEndpoint,
        };
        attach.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            var functionName = parse.GetRequiredValue(name);
            var id = parse.GetRequiredValue(distribution);
            var pattern = parse.GetRequiredValue(pathPattern);
            var cloudFront = await options.CloudFrontAsync(parse);

            // A behaviour runs the LIVE stage; a function never published has none to attach.
            if (await cloudFront.TryDescribeFunctionAsync(functionName, FunctionStage.Live, cancellationToken) is not { } live)
                return output.Fail(ExitCodes.InvalidInput, "NotPublished", $"The function {functionName} has no LIVE stage.", "run function deploy first");
            var arn = live.FunctionSummary.FunctionMetadata.FunctionArn;

            var read = await cloudFront.GetDistributionConfigAsync(id, cancellationToken);
            AttachEdit edit;
            try
            {
                edit = ViewerRequestAssociation.Attach(read.DistributionConfig, pattern, arn, parse.GetValue(replace));
            }
            catch (ArgumentException error)
            {
                return output.Fail(ExitCodes.InvalidInput, "NoSuchCacheBehavior", error.Message);
            }
            catch (AssociationConflictException error)
            {
                return output.Fail(ExitCodes.InvalidInput, "AnotherFunctionAttached", error.Message + " Nothing was written.", "pass --replace to put this function in its place");
            }

            var result = new { distribution = id, pathPattern = pattern, eventType = ViewerRequestAssociation.EventType, functionArn = arn, previous = edit.Previous, changed = edit.Changed, dryRun = parse.GetValue(dryRun), status = (string?)null };
            if (!edit.Changed)
            {
                output.Result(result, console => console.MarkupLine($"[green]already attached[/] {Markup.Escape(arn)} runs on {ViewerRequestAssociation.EventType} of {Markup.Escape(pattern)}"));
                return ExitCodes.Ok;
            }
            var change = $"{id} {pattern} {ViewerRequestAssociation.EventType}: {edit.Previous ?? "(none)"} -> {arn}";
            if (parse.GetValue(dryRun))
            {
                output.Result(result, console => console.MarkupLine($"[yellow]would change[/] {Markup.Escape(change)}; nothing was written (--dry-run)"));
                return ExitCodes.Ok;
            }

            var etag = read.ETag ?? throw new FormatException($"GetDistributionConfig for {id} answered without an ETag header.");
            var updated = await cloudFront.UpdateDistributionAsync(id, etag, edit.DistributionConfig, cancellationToken);
            if (ViewerRequestAssociation.Current(updated.DistributionConfig, pattern) != arn)
                return output.Fail(ExitCodes.VerificationFailed, "NotAttached", $"UpdateDistribution answered, but {pattern} does not run {arn} on {ViewerRequestAssociation.EventType}.");
            output.Result(result with { status = updated.Status }, console =>
                console.MarkupLine($"[green]attached[/] {Markup.Escape(change)} (distribution {Markup.Escape(updated.Status ?? "")}: CloudFront deploys it to the edge in a few minutes)"));
            return ExitCodes.Ok;
        });
        return attach;
    }
}
