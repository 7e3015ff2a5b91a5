using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeAllowlist.Aws.MediaTailor;
using EdgeAllowlist.Cli.Api;
using EdgeAllowlist.Cli.Commands.MediaTailor;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Secrets;

/// <summary>
/// <c>secrets rotate</c>: a partner-secret rotation that cannot half-happen. Before anything is
/// issued it checks every step can run: the token's scopes (rotate this partner, read rules for the
/// simulator), that the partner exists, and that the MediaTailor configuration can be read and
/// written back whole. Then it issues the new secret (the previous ones get a grace period in the
/// same store change), checks with the API's simulator that the function passes it, points
/// MediaTailor at it and reads the whole configuration back. If a step after issuing fails while
/// MediaTailor still uses the previous secret, the rotation is undone through the API (new secret
/// revoked, the previous ones' expiry restored), so playback stays on the old secret and nothing is
/// orphaned. The secret is never printed.
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
        var dryRun = new Option<bool>("--dry-run") { Description = "Run every check and show the steps; issue nothing and write nothing" };
        var dropUnknown = new Option<bool>("--drop-unknown-members")
        {
            Description = "Put even when Get returns members this version does not know (e.g. BeaconingConfiguration); they are left out of the Put and may reset",
        };

        var rotate = new Command("rotate", "Check every step first, then issue a new partner secret (the previous ones expire after the grace period), check it at the function, and point the MediaTailor configuration at it; undone if a later step fails")
        {
            partner, configuration, graceHours, probe, dryRun, dropUnknown, options.Region, options.MediaTailorEndpoint,
        };
        return rotate.SetApiAction(options, environment, "secrets:rotate and rules:read", async (parse, output, api, cancellationToken) =>
        {
            var partnerId = parse.GetRequiredValue(partner);
            var name = parse.GetRequiredValue(configuration);

            // 1. Checks; nothing is issued or written until every one passes.
            if (await MissingGrantAsync(api, partnerId, cancellationToken) is { } missing)
                return output.Fail(ExitCodes.ServiceError, "MissingScope", $"{missing} Nothing was issued.", "use a token with secrets:rotate for this partner (or secrets:admin) and rules:read");
            await api.GetPartnerAsync(partnerId, cancellationToken);
            output.Progress($"checked the token (secrets:rotate for {Markup.Escape(partnerId)}, rules:read) and the partner");
            var mediaTailor = await options.MediaTailorAsync(parse);
            var update = new MediaTailorSecretUpdate(mediaTailor, line => output.Progress(Markup.Escape(line)), parse.GetValue(dropUnknown));
            JsonObject current;
            try
            {
                current = await update.ReadAsync(name, cancellationToken);
            }
            catch (UnknownMembersException error)
            {
                return output.Fail(ExitCodes.InvalidInput, "UnknownMembers", error.Message + " Nothing was issued.",
                    "update edge-allowlist, or pass --drop-unknown-members after checking those members can go back to their defaults");
            }
            if (current["VideoContentSourceUrl"]?.GetValue<string>() is not { } source || !Uri.IsWellFormedUriString(source, UriKind.Absolute))
                return output.Fail(ExitCodes.InvalidInput, "NoContentSource", $"{name} has no absolute VideoContentSourceUrl to put a secret in. Nothing was issued.");
            output.Progress($"read {Markup.Escape(name)}: every member can be written back");

            var steps = new[]
            {
                $"issue a new secret for {partnerId}; its previous secrets expire {parse.GetValue(graceHours)} h later (POST /v1/partners/{partnerId}/secrets/rotate)",
                $"simulate a MediaTailor fetch of {parse.GetValue(probe)} with the new secret; if the function refuses it, undo the rotation",
                $"PutPlaybackConfiguration {name} with only VideoContentSourceUrl changed; if that fails and {name} still uses the previous secret, undo the rotation",
                $"GetPlaybackConfiguration {name} and compare every member with the first read",
            };
            if (parse.GetValue(dryRun))
            {
                output.Result(new { dryRun = true, partner = partnerId, mediaTailorConfig = name, source = SecretPath.Redact(source, SecretPath.DefaultMarker), steps }, console =>
                {
                    console.MarkupLine("[green]every check passed[/]; the rotation would:");
                    for (var i = 0; i < steps.Length; i++)
                        console.MarkupLine($"  {i + 1}. {Markup.Escape(steps[i])}");
                });
                return ExitCodes.Ok;
            }

            // 2. Issue.
            var issued = await api.RotateSecretAsync(partnerId, parse.GetValue(graceHours), new Uri(source).Host, Guid.NewGuid().ToString("N"), cancellationToken);
            var graceEnd = issued.Expiring.Select(e => e.ExpiresAt).Min();
            output.Progress($"issued secret {Markup.Escape(issued.Id)} ({Markup.Escape(issued.Fingerprint)}); {issued.Expiring.Count} previous secret(s) valid until {graceEnd?.ToString("u") ?? "their own expiry"}");

            // 3. The function must pass the new secret before MediaTailor gets it.
            var probePath = new Uri(SecretPath.WithSecret(source, issued.Marker, issued.Secret)).AbsolutePath.TrimEnd('/') + "/" + parse.GetRequiredValue(probe).TrimStart('/');
            SimulatedDecision decision;
            try
            {
                decision = await api.SimulateAsync(probePath, cancellationToken);
            }
            catch (Exception error) when (error is AdminApiException or HttpRequestException)
            {
                return await UndoAsync(output, api, partnerId, issued, name, ExitCodes.ServiceError, "SimulateFailed", $"The simulator could not check the new secret ({error.Message}).");
            }
            if (decision.Action != "pass")
                return await UndoAsync(output, api, partnerId, issued, name, ExitCodes.VerificationFailed, "SecretRefusedAtEdge",
                    $"The function would refuse the new secret ({decision.Action} {decision.Status} {decision.Reason}); MediaTailor was not changed.");
            output.Progress("the function passes the new secret (simulated on the current store)");

            // 4. MediaTailor, read back whole.
            MediaTailorSecretReport report;
            try
            {
                report = await update.RunAsync(name, issued.Marker, issued.Secret, cancellationToken);
            }
            catch (Exception error) when (error is MediaTailorException or HttpRequestException or UnknownMembersException)
            {
                var message = error is MediaTailorException m ? $"MediaTailor answered {(int)m.StatusCode} {m.ErrorCode}: {m.Message}" : error.Message;
                // A Put that failed may still have landed: undo only when MediaTailor shows the previous source.
                var now = await SourceOrNullAsync(mediaTailor, name, cancellationToken);
                if (now == source)
                    return await UndoAsync(output, api, partnerId, issued, name, ExitCodes.ServiceError, error is MediaTailorException me ? me.ErrorCode : "MediaTailorFailed", message);
                return output.Fail(ExitCodes.ServiceError, "MediaTailorUnknown",
                    $"{message} Whether {name} now uses the new secret {issued.Id} could not be told ({(now is null ? "it could not be read" : "it shows another source")}); nothing was undone, so playback keeps working on either secret until {graceEnd?.ToString("u") ?? "the previous one's expiry"}.",
                    $"check {name}'s VideoContentSourceUrl; if it still has the previous secret, run: edge-allowlist secrets undo-rotation {partnerId} {issued.Id}; if it has the new one, nothing is needed");
            }

            output.Result(new { partner = partnerId, secretId = issued.Id, issued.Fingerprint, previous = issued.Expiring, mediaTailor = report }, console =>
            {
                console.MarkupLine($"new source [bold]{Markup.Escape(report.NewSource)}[/]");
                console.MarkupLine(report.Verified
                    ? $"[green]rotated[/] {Markup.Escape(partnerId)}: {Markup.Escape(name)} uses secret {Markup.Escape(issued.Id)}; the previous ones expire {graceEnd?.ToString("u") ?? "as set"}"
                    : $"[red]not verified[/] these members read back differently: {Markup.Escape(string.Join(", ", report.Differences))}");
            });
            if (report.Verified)
                return ExitCodes.Ok;
            output.Progress($"[yellow]next[/] {Markup.Escape(name)} uses the new secret; compare the members named above in the console and set them again. The previous secrets stay valid until {graceEnd?.ToString("u") ?? "their expiry"}.");
            return ExitCodes.VerificationFailed;
        });
    }

    /// <summary>What the token lacks for the whole rotation, or null when it has it all.</summary>
    static async Task<string?> MissingGrantAsync(AdminApiClient api, string partner, CancellationToken cancellationToken)
    {
        var self = await api.CurrentTokenAsync(cancellationToken);
        var scopes = self["scopes"]?.AsArray().Select(s => s?.GetValue<string>()).ToHashSet() ?? [];
        var partners = self["partners"]?.AsArray().Select(s => s?.GetValue<string>()).ToList() ?? [];
        var mayRotate = scopes.Contains("secrets:admin") || (scopes.Contains("secrets:rotate") && (partners.Count == 0 || partners.Contains(partner)));
        var missing = new List<string>();
        if (!mayRotate)
            missing.Add(scopes.Contains("secrets:rotate") ? $"secrets:rotate for partner {partner} (the token is limited to {string.Join(", ", partners)})" : "secrets:rotate");
        if (!scopes.Contains("rules:read"))
            missing.Add("rules:read (the simulator checks the new secret)");
        return missing.Count == 0 ? null : $"The token {self["name"]} lacks {string.Join(" and ", missing)}.";
    }

    static async Task<string?> SourceOrNullAsync(MediaTailorClient mediaTailor, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await mediaTailor.GetPlaybackConfigurationAsync(name, cancellationToken))["VideoContentSourceUrl"]?.GetValue<string>();
        }
        catch (Exception error) when (error is MediaTailorException or HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Takes the rotation back so playback stays on the previous secret, and says what happened and what to run.</summary>
    static async Task<int> UndoAsync(CommandOutput output, AdminApiClient api, string partner, IssuedSecret issued, string configuration, int exitCode, string code, string failure)
    {
        try
        {
            // Not the command's token: an interrupted command must still leave nothing half done.
            var undone = await api.UndoRotationAsync(partner, issued.Id, CancellationToken.None);
            return output.Fail(exitCode, code,
                $"{failure} The rotation was undone: the new secret {issued.Id} is revoked and {undone["restored"]?.AsArray().Count ?? 0} previous secret(s) keep their earlier expiry; {configuration} still uses the previous secret.",
                "fix the cause above and run secrets rotate again");
        }
        catch (Exception error) when (error is AdminApiException or HttpRequestException)
        {
            return output.Fail(ExitCodes.RotationNotUndone, code,
                $"{failure} Undoing the rotation failed too ({error.Message}): the new secret {issued.Id} exists but {configuration} does not use it, and the previous secret(s) expire {issued.Expiring.Select(e => e.ExpiresAt).Min()?.ToString("u") ?? "as before"}.",
                $"run: edge-allowlist secrets undo-rotation {partner} {issued.Id}");
        }
    }
}
