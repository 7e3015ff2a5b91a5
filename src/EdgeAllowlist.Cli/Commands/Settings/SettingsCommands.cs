using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Cli.Commands.Settings;

/// <summary><c>settings get|set</c>: the edge policy the function reads (mode, noOrigin, denyStatus, …).</summary>
static class SettingsCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var get = new Command("get", "Show the edge policy").SetApiAction(options, environment, "rules:read", async (parse, output, api, ct) =>
        {
            output.Fields(await api.GetSettingsAsync(ct));
            return ExitCodes.Ok;
        });

        var assignments = new Argument<string[]>("setting=value")
        {
            Description = "e.g. mode=report noOrigin=ua denyStatus=403 'publicPaths=[\"/health\"]'; a value that reads as JSON is that JSON, anything else a string",
            Arity = ArgumentArity.OneOrMore,
        };
        var set = new Command("set", "Change settings; the others stay as they are") { assignments }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            var patch = new JsonObject();
            foreach (var assignment in parse.GetRequiredValue(assignments))
            {
                var at = assignment.IndexOf('=');
                if (at <= 0)
                    return output.Fail(ExitCodes.InvalidInput, "InvalidSetting", $"'{assignment}' is not setting=value.");
                patch[assignment[..at]] = Value(assignment[(at + 1)..]);
            }
            output.Fields(await api.UpdateSettingsAsync(patch, ct));
            return ExitCodes.Ok;
        });

        return new Command("settings", "The edge policy (through the admin API)") { get, set };
    }

    static JsonNode? Value(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
