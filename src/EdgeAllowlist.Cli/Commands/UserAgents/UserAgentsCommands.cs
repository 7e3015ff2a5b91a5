using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.UserAgents;

/// <summary><c>user-agents list|add|delete</c>: the User-Agent allow and deny rules, through the admin API.</summary>
static class UserAgentsCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var list = new Command("list", "List the User-Agent rules (allow and deny) and how full their shards are").SetApiAction(options, environment, "rules:read", async (parse, output, api, ct) =>
        {
            var rules = await api.ListUserAgentsAsync(ct);
            var items = (rules["allow"]?.AsArray() ?? []).Concat(rules["deny"]?.AsArray() ?? []).OfType<JsonObject>().ToList();
            output.Items(rules, items, "list", "id", "kind", "pattern");
            return ExitCodes.Ok;
        });

        var listName = new Option<string>("--list") { Description = "allow or deny", DefaultValueFactory = _ => "allow" };
        listName.AcceptOnlyFromAmong("allow", "deny");
        var kind = new Option<string>("--kind") { Description = "contains (the default), prefix, exact, or wildcard ('*' stands for any characters); substring is contains, a regex is converted when it has an exact equivalent", DefaultValueFactory = _ => "contains" };
        kind.AcceptOnlyFromAmong("contains", "prefix", "exact", "wildcard", "substring", "regex");
        var pattern = new Argument<string>("pattern") { Description = "Matched case-insensitively against the whole User-Agent" };
        var add = new Command("add", "Add a User-Agent rule") { pattern, listName, kind }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            output.Fields(await api.AddUserAgentAsync(new JsonObject { ["list"] = parse.GetValue(listName), ["kind"] = parse.GetValue(kind), ["pattern"] = parse.GetValue(pattern) }, ct));
            return ExitCodes.Ok;
        });

        var deleteList = new Argument<string>("list") { Description = "allow or deny" };
        deleteList.AcceptOnlyFromAmong("allow", "deny");
        var id = new Argument<string>("id") { Description = "The rule id (user-agents list shows it)" };
        var delete = new Command("delete", "Delete a User-Agent rule") { deleteList, id }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            await api.DeleteUserAgentAsync(parse.GetRequiredValue(deleteList), parse.GetRequiredValue(id), ct);
            output.Result(new { deleted = parse.GetValue(id), list = parse.GetValue(deleteList) }, console => console.MarkupLine($"deleted {Markup.Escape(parse.GetRequiredValue(deleteList))} rule [bold]{Markup.Escape(parse.GetRequiredValue(id))}[/]"));
            return ExitCodes.Ok;
        });

        return new Command("user-agents", "User-Agent allow and deny rules (through the admin API)") { list, add, delete };
    }
}
