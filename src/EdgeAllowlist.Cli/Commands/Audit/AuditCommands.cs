using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Api;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Audit;

/// <summary><c>audit query</c>: who changed what, when, through the admin API's audit trail.</summary>
static class AuditCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var from = new Option<DateTimeOffset?>("--from") { Description = "Entries at or after this time (ISO 8601)", CustomParser = Timestamp };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Entries before this time (ISO 8601)", CustomParser = Timestamp };
        var actor = new Option<string?>("--actor") { Description = "Token name, or kvs-external, system, anonymous" };
        var action = new Option<string?>("--action") { Description = "e.g. origin.add, token.create, auth.denied, kvs.external-change" };
        var target = new Option<string?>("--target") { Description = "e.g. https://www.example.com" };
        var outcome = new Option<string?>("--outcome") { Description = "success, unauthenticated, forbidden, rejected or detected" };
        var limit = new Option<int>("--limit") { Description = "Entries per page (1-1000)", DefaultValueFactory = _ => 100 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1000)
                result.AddError("--limit must be between 1 and 1000.");
        });
        var all = new Option<bool>("--all") { Description = "Follow the cursor to the oldest entry instead of stopping after one page" };

        var query = new Command("query", "Query the audit trail, newest first") { options.Api, from, to, actor, action, target, outcome, limit, all };
        query.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            if (options.AdminApi(parse) is not { } api)
                return output.Fail(ExitCodes.InvalidInput, "NoApi", "Set --api (or EDGE_ALLOWLIST_API) and EDGE_ALLOWLIST_TOKEN (a token with audit:read).");
            var filter = new AuditFilter(parse.GetValue(from), parse.GetValue(to), parse.GetValue(actor), parse.GetValue(action), parse.GetValue(target), parse.GetValue(outcome));
            var entries = new List<JsonObject>();
            string? cursor = null;
            do
            {
                var page = await api.QueryAuditAsync(filter, cursor, parse.GetValue(limit), cancellationToken);
                entries.AddRange(page.Items);
                cursor = page.NextCursor;
            }
            while (cursor is not null && parse.GetValue(all));

            output.Result(new { items = entries, nextCursor = cursor }, console =>
            {
                var table = new Table().AddColumns("seq", "time", "actor", "action", "target", "outcome");
                foreach (var entry in entries)
                    table.AddRow(new[] { "seq", "time", "actor", "action", "target", "outcome" }.Select(field => Markup.Escape(entry[field]?.ToString() ?? "")).ToArray());
                console.Write(table);
                if (cursor is not null)
                    console.MarkupLine("[grey]more entries: --all, or narrow the filters[/]");
            });
            return ExitCodes.Ok;
        });
        return new Command("audit", "The admin API's audit trail") { query };
    }

    static DateTimeOffset? Timestamp(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            return value;
        result.AddError($"{text} is not an ISO 8601 time.");
        return null;
    }
}
