using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Tokens;

/// <summary><c>tokens list|create|revoke</c>: the admin API's bearer tokens.</summary>
static class TokensCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var list = new Command("list", "List the tokens (metadata and fingerprints, never the tokens)").SetApiAction(options, environment, "tokens:admin", async (parse, output, api, ct) =>
        {
            var answer = await api.ListTokensAsync(ct);
            output.Items(answer, answer["items"]?.AsArray().OfType<JsonObject>() ?? [], "id", "name", "scopes", "partners", "expiresAt", "lastUsedAt", "revokedAt");
            return ExitCodes.Ok;
        });

        var name = new Option<string>("--name") { Description = "Who or what uses the token", Required = true };
        var scopes = new Option<string[]>("--scope") { Description = "rules:read, rules:write, audit:read, tokens:admin, secrets:admin, secrets:rotate (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var partners = new Option<string[]>("--partner") { Description = "Limit secrets:rotate to these partners (repeat for several)", AllowMultipleArgumentsPerToken = true };
        var expiresAt = new Option<DateTimeOffset?>("--expires-at") { Description = "When the token stops working (ISO 8601)", CustomParser = CommandArguments.Timestamp };
        var create = new Command("create", "Create a token; it is printed once, here, and never again") { name, scopes, partners, expiresAt }
            .SetApiAction(options, environment, "tokens:admin", async (parse, output, api, ct) =>
            {
                var body = new JsonObject
                {
                    ["name"] = parse.GetValue(name),
                    ["scopes"] = new JsonArray([.. parse.GetValue(scopes)!.Select(s => JsonValue.Create(s))]),
                };
                if (parse.GetValue(partners) is { Length: > 0 } limited)
                    body["partners"] = new JsonArray([.. limited.Select(p => JsonValue.Create(p))]);
                if (parse.GetValue(expiresAt) is { } at)
                    body["expiresAt"] = at;
                var created = await api.CreateTokenAsync(body, ct);
                output.Result(created, console =>
                {
                    console.MarkupLine($"token [bold]{Markup.Escape(created["metadata"]?["id"]?.ToString() ?? "")}[/] ({Markup.Escape(created["metadata"]?["name"]?.ToString() ?? "")}), shown once:");
                    environment.Out.WriteLine(created["token"]?.GetValue<string>());
                });
                return ExitCodes.Ok;
            });

        var id = new Argument<string>("id") { Description = "The token id (tokens list shows it)" };
        var revoke = new Command("revoke", "Revoke a token now") { id }.SetApiAction(options, environment, "tokens:admin", async (parse, output, api, ct) =>
        {
            output.Fields(await api.RevokeTokenAsync(parse.GetRequiredValue(id), ct));
            return ExitCodes.Ok;
        });

        return new Command("tokens", "Admin API bearer tokens") { list, create, revoke };
    }
}
