using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Secrets;

/// <summary><c>secrets list|create|rotate|revoke</c>: partner exemption secrets, through the admin API.</summary>
static class SecretsCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var partner = new Argument<string>("partner") { Description = "Partner id, e.g. mediatailor" };

        var list = new Command("list", "List a partner's secrets (ids, fingerprints and expiries; never the secrets)") { partner }
            .SetApiAction(options, environment, "secrets:admin", async (parse, output, api, ct) =>
            {
                var answer = await api.ListSecretsAsync(parse.GetRequiredValue(partner), ct);
                output.Items(answer, answer["items"]?.AsArray().OfType<JsonObject>() ?? [], "id", "fingerprint", "scope", "createdAt", "expiresAt", "expired");
                return ExitCodes.Ok;
            });

        var domain = new Option<string?>("--distribution-domain") { Description = "The CloudFront distribution the partner fetches from (default: the API's Secrets:DistributionDomain)" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Send the same key again to get the same secret back instead of a second one (default: a new key)" };
        var create = new Command("create", "Issue a new secret for a partner, printed once, with the VideoContentSourceUrl to use; the partner's other secrets stay valid")
        {
            partner, domain, idempotencyKey,
        }.SetApiAction(options, environment, "secrets:admin", async (parse, output, api, ct) =>
        {
            var issued = await api.CreateSecretAsync(parse.GetRequiredValue(partner), parse.GetValue(domain), parse.GetValue(idempotencyKey) ?? Guid.NewGuid().ToString("N"), ct);
            output.Result(issued, console =>
            {
                console.MarkupLine($"secret [bold]{Markup.Escape(issued["id"]?.ToString() ?? "")}[/] ({Markup.Escape(issued["fingerprint"]?.ToString() ?? "")}), shown once; VideoContentSourceUrl:");
                environment.Out.WriteLine(issued["videoContentSourceUrl"]?.GetValue<string>());
            });
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "The secret id, e.g. sec_AbCdEfGhIjKl (secrets list shows it)" };
        var revokeForce = new Option<bool>("--force") { Description = "Revoke even when that breaks expectations that hold now (audited with the flips)" };
        var revoke = new Command("revoke", "Revoke a secret now: the next request with it is denied") { partner, id, revokeForce }
            .SetApiAction(options, environment, "secrets:admin", async (parse, output, api, ct) =>
            {
                await api.RevokeSecretAsync(parse.GetRequiredValue(partner), parse.GetRequiredValue(id), parse.GetValue(revokeForce), ct);
                output.Result(new { revoked = parse.GetValue(id), partner = parse.GetValue(partner) },
                    console => console.MarkupLine($"revoked [bold]{Markup.Escape(parse.GetRequiredValue(id))}[/] of {Markup.Escape(parse.GetRequiredValue(partner))}"));
                return ExitCodes.Ok;
            });

        var issuedId = new Argument<string>("id") { Description = "The id of the secret the rotation issued" };
        var undo = new Command("undo-rotation", "Take back a rotation whose MediaTailor step failed: revoke the secret it issued and give the previous secrets back their earlier expiry")
        {
            partner, issuedId,
        }.SetApiAction(options, environment, "secrets:rotate", async (parse, output, api, ct) =>
        {
            var undone = await api.UndoRotationAsync(parse.GetRequiredValue(partner), parse.GetRequiredValue(issuedId), ct);
            output.Result(undone, console => console.MarkupLine(
                $"revoked [bold]{Markup.Escape(parse.GetRequiredValue(issuedId))}[/]; restored the expiry of {undone["restored"]?.AsArray().Count ?? 0} previous secret(s)"));
            return ExitCodes.Ok;
        });

        return new Command("secrets", "Partner exemption secrets (through the admin API)") { list, create, RotateCommand.Build(options, environment), revoke, undo };
    }
}
