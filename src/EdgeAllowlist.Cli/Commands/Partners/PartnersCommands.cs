using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands.Origins;

namespace EdgeAllowlist.Cli.Commands.Partners;

/// <summary><c>partners list|create|get</c>: server-side fetchers such as MediaTailor, through the admin API.</summary>
static class PartnersCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var list = new Command("list", "List the partners").SetApiAction(options, environment, "secrets:admin", async (parse, output, api, ct) =>
        {
            var answer = await api.ListPartnersAsync(ct);
            output.Items(answer, answer["items"]?.AsArray().OfType<JsonObject>() ?? [], "id", "scope", "description", "createdAt", "createdBy");
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "Partner id, e.g. mediatailor" };
        var scope = new Option<string>("--scope") { Description = "manifests (only .m3u8/.mpd/.mp4 after the secret) or all", DefaultValueFactory = _ => "manifests" };
        scope.AcceptOnlyFromAmong("manifests", "all");
        var description = new Option<string?>("--description") { Description = "Who the partner is" };
        var create = new Command("create", "Register a partner; create a secret for it with secrets create or secrets rotate") { id, scope, description }
            .SetApiAction(options, environment, "secrets:admin", async (parse, output, api, ct) =>
            {
                output.Fields(await api.CreatePartnerAsync(OriginsCommands.Compact(new JsonObject
                {
                    ["id"] = parse.GetValue(id),
                    ["scope"] = parse.GetValue(scope),
                    ["description"] = parse.GetValue(description),
                }), ct));
                return ExitCodes.Ok;
            });

        var get = new Command("get", "Show a partner") { id }.SetApiAction(options, environment, "secrets:admin", async (parse, output, api, ct) =>
        {
            output.Fields(await api.GetPartnerAsync(parse.GetRequiredValue(id), ct));
            return ExitCodes.Ok;
        });

        return new Command("partners", "Partners that fetch with a secret instead of browser rules (through the admin API)") { list, create, get };
    }
}
