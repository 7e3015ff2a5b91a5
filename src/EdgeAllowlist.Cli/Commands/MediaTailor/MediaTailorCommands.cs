using System.CommandLine;
using EdgeAllowlist.Aws.MediaTailor;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.MediaTailor;

/// <summary><c>mediatailor set-secret</c>: the MediaTailor half of a partner-secret rotation.</summary>
static class MediaTailorCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var configuration = new Option<string>("--config", "-c") { Description = "Playback configuration name", Required = true };
        var marker = new Option<string>("--marker") { Description = "The path marker in front of the secret (cfg.marker)", DefaultValueFactory = _ => SecretPath.DefaultMarker };
        marker.Validators.Add(result =>
        {
            if (!SecretPath.IsMarker(result.GetValueOrDefault<string>()))
                result.AddError("--marker must match [A-Za-z0-9_-]{1,32}.");
        });

        var dropUnknown = new Option<bool>("--drop-unknown-members")
        {
            Description = "Put even when Get returns members this version does not know (e.g. BeaconingConfiguration); they are left out of the Put and may reset",
        };
        var setSecret = new Command("set-secret",
            "Point a playback configuration's VideoContentSourceUrl at a new partner secret, read from stdin. "
            + "Every other setting is copied (PutPlaybackConfiguration replaces the whole configuration) and the result is read back. "
            + "Create the secret in the store first and keep the old one valid until this succeeds.")
        {
            configuration, marker, dropUnknown, options.Region, options.MediaTailorEndpoint,
        };
        setSecret.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            var secret = (await environment.In.ReadLineAsync(cancellationToken))?.Trim() ?? "";
            if (!SecretPath.IsSecret(secret))
                return output.Fail(ExitCodes.InvalidInput, "InvalidSecret", "stdin must hold one secret: ealp_ followed by 43 base64url characters.");

            var name = parse.GetRequiredValue(configuration);
            var update = new MediaTailorSecretUpdate(await options.MediaTailorAsync(parse), line => output.Progress(Markup.Escape(line)), parse.GetValue(dropUnknown));
            MediaTailorSecretReport report;
            try
            {
                report = await update.RunAsync(name, parse.GetRequiredValue(marker), secret, cancellationToken);
            }
            catch (UnknownMembersException error)
            {
                return output.Fail(ExitCodes.InvalidInput, "UnknownMembers", error.Message,
                    "update edge-allowlist, or pass --drop-unknown-members after checking those members can go back to their defaults");
            }
            catch (MediaTailorException error)
            {
                return output.Fail(ExitCodes.ServiceError, error.ErrorCode, $"MediaTailor answered {(int)error.StatusCode}: {error.Message}",
                    $"{name} may still use the previous secret; keep it valid and run this command again.");
            }
            output.Result(report, console =>
            {
                console.MarkupLine($"previous source [grey]{Markup.Escape(report.PreviousSource)}[/]");
                console.MarkupLine($"new source      [bold]{Markup.Escape(report.NewSource)}[/]");
                console.MarkupLine(report.Verified
                    ? "[green]verified[/] every setting read back as written"
                    : $"[red]not verified[/] these members read back differently: {Markup.Escape(string.Join(", ", report.Differences))}");
            });
            if (report.Verified)
                return ExitCodes.Ok;
            output.Progress("[yellow]next[/] keep the previous secret valid, compare the configuration in the console, and run this command again.");
            return ExitCodes.VerificationFailed;
        });
        return new Command("mediatailor", "AWS Elemental MediaTailor playback configurations") { setSecret };
    }
}
