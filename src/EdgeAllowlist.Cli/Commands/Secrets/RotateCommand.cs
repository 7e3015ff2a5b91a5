using System.CommandLine;
using EdgeAllowlist.Cli.Api;
using EdgeAllowlist.Cli.Aws.MediaTailor;
using EdgeAllowlist.Cli.Commands.MediaTailor;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Secrets;

/// <summary>
/// <c>secrets rotate</c>: a partner-secret rotation end to end, in the order that keeps playback
/// working at every step: read the playback configuration (nothing changes if it cannot be read);
/// issue the new secret through the admin API, which gives the previous ones a grace period in the
/// same store change; check with the API's simulator that the new secret passes the function; only
/// then point MediaTailor at it and read the configuration back. The secret is never printed.
/// </summary>
static class RotateCommand
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var partner = new Option<string>("--partner", "-p") { Description = "Partner id in the admin API, e.g. mediatailor", Required = true };
        var configuration = new Option<string>("--mediatailor-config", "-c") { Description = "MediaTailor playback configuration that fetches through the distribution", Required = true };
        var graceHours = new Option<double>("--grace-hours") { Description = "How long the previous secrets stay valid (0-720)", DefaultValueFactory = _ => 24 };
        graceHours.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is < 0 or > 720)
                result.AddError("--grace-hours must be between 0 and 720.");
        });
        var probe = new Option<string>("--probe") { Description = "Asset path tried through the simulator with the new secret", DefaultValueFactory = _ => "index.m3u8" };

        var rotate = new Command("rotate", "Issue a new partner secret (the previous ones expire after the grace period), check it at the function, and point the MediaTailor configuration at it")
        {
            partner, configuration, graceHours, probe, options.Region, options.MediaTailorEndpoint,
        };
        options.WithApi(rotate);
        rotate.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (options.AdminApi(parse) is not { } api)
                return output.Fail(ExitCodes.InvalidInput, "NoApi", CommonOptions.NoApi("secrets:rotate and rules:read"));
            var partnerId = parse.GetRequiredValue(partner);
            var name = parse.GetRequiredValue(configuration);
            var mediaTailor = await options.MediaTailorAsync(parse);

            var current = await mediaTailor.GetPlaybackConfigurationAsync(name, cancellationToken);
            if (current["VideoContentSourceUrl"]?.GetValue<string>() is not { } source || !Uri.IsWellFormedUriString(source, UriKind.Absolute))
                return output.Fail(ExitCodes.InvalidInput, "NoContentSource", $"{name} has no absolute VideoContentSourceUrl to put a secret in.");

            var issued = await api.RotateSecretAsync(partnerId, parse.GetValue(graceHours), new Uri(source).Host, Guid.NewGuid().ToString("N"), cancellationToken);
            var graceEnd = issued.Expiring.Select(e => e.ExpiresAt).Min();
            output.Progress($"issued secret {Markup.Escape(issued.Id)} ({Markup.Escape(issued.Fingerprint)}); {issued.Expiring.Count} previous secret(s) valid until {graceEnd?.ToString("u") ?? "their own expiry"}");
            var retry = $"{name} still uses the previous secret, valid until {graceEnd?.ToString("u") ?? "its own expiry"}: run secrets rotate again before then, and revoke the unused secret {issued.Id}.";

            var probePath = new Uri(SecretPath.WithSecret(source, issued.Marker, issued.Secret)).AbsolutePath.TrimEnd('/') + "/" + parse.GetRequiredValue(probe).TrimStart('/');
            var decision = await api.SimulateAsync(probePath, cancellationToken);
            if (decision.Action != "pass")
                return output.Fail(ExitCodes.VerificationFailed, "SecretRefusedAtEdge",
                    $"The function would refuse the new secret ({decision.Action} {decision.Status} {decision.Reason}); MediaTailor was not changed.", retry);
            output.Progress("the function passes the new secret (simulated on the current store)");

            MediaTailorSecretReport report;
            try
            {
                report = await new MediaTailorSecretUpdate(mediaTailor, line => output.Progress(Markup.Escape(line)))
                    .RunAsync(name, issued.Marker, issued.Secret, cancellationToken);
            }
            catch (MediaTailorException error)
            {
                return output.Fail(ExitCodes.ServiceError, error.ErrorCode, $"MediaTailor answered {(int)error.StatusCode}: {error.Message}", retry);
            }

            output.Result(new { partner = partnerId, secretId = issued.Id, issued.Fingerprint, previous = issued.Expiring, mediaTailor = report }, console =>
            {
                console.MarkupLine($"new source [bold]{Markup.Escape(report.NewSource)}[/]");
                console.MarkupLine(report.Verified
                    ? $"[green]rotated[/] {Markup.Escape(partnerId)}: {Markup.Escape(name)} uses secret {Markup.Escape(issued.Id)}; the previous ones expire {graceEnd?.ToString("u") ?? "as set"}"
                    : $"[red]not verified[/] these settings read back differently: {Markup.Escape(string.Join(", ", report.Differences))}");
            });
            if (report.Verified)
                return ExitCodes.Ok;
            output.Progress("[yellow]next[/] " + Markup.Escape(retry));
            return ExitCodes.VerificationFailed;
        });
        return rotate;
    }
}
