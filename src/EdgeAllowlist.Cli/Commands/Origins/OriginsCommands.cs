using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Api;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Origins;

/// <summary><c>origins list|add|update|delete|import</c>: the allowed browser origins, through the admin API.</summary>
static class OriginsCommands
{
    /// <summary>The bulk route's cap per request.</summary>
    public const int BulkLimit = 20_000;

    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var origin = new Argument<string>("origin") { Description = "e.g. https://www.example.com or https://*.example.com" };
        var expiresAt = new Option<DateTimeOffset?>("--expires-at") { Description = "When the origin stops being allowed (ISO 8601)", CustomParser = CommandArguments.Timestamp };
        var note = new Option<string?>("--note") { Description = "Why it is allowed (kept in the database, never in the store)" };

        var contains = new Option<string?>("--contains") { Description = "Only origins containing this text" };
        var expired = new Option<bool?>("--expired") { Description = "true: only expired origins; false: only live ones" };
        var limit = CommandArguments.Limit(1000);
        var all = new Option<bool>("--all") { Description = "Follow the cursor to the end instead of stopping after one page" };
        var list = new Command("list", "List the allowed origins") { contains, expired, limit, all }.SetApiAction(options, environment, "rules:read", async (parse, output, api, ct) =>
        {
            var items = new List<JsonObject>();
            string? cursor = null;
            do
            {
                var page = await api.ListOriginsAsync(parse.GetValue(contains), parse.GetValue(expired), cursor, parse.GetValue(limit), ct);
                items.AddRange(page["items"]?.AsArray().OfType<JsonObject>() ?? []);
                cursor = page["nextCursor"]?.GetValue<string>();
            }
            while (cursor is not null && parse.GetValue(all));
            output.Items(new { items, nextCursor = cursor }, items, "origin", "expiresAt", "expired", "note");
            return ExitCodes.Ok;
        });

        var add = new Command("add", "Allow an origin (adding it again changes nothing)") { origin, expiresAt, note }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            var body = new JsonObject { ["origin"] = parse.GetValue(origin), ["expiresAt"] = parse.GetValue(expiresAt), ["note"] = parse.GetValue(note) };
            output.Fields(await api.AddOriginAsync(Compact(body), ct));
            return ExitCodes.Ok;
        });

        var removeExpiry = new Option<bool>("--remove-expiry") { Description = "Make the origin permanent" };
        var update = new Command("update", "Change an origin's expiry or note") { origin, expiresAt, removeExpiry, note }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            var body = Compact(new JsonObject { ["expiresAt"] = parse.GetValue(expiresAt), ["note"] = parse.GetValue(note) });
            if (parse.GetValue(removeExpiry))
                body["removeExpiry"] = true;
            if (body.Count == 0)
                return output.Fail(ExitCodes.InvalidInput, "NothingToChange", "Give --expires-at, --remove-expiry or --note.");
            output.Fields(await api.UpdateOriginAsync(parse.GetRequiredValue(origin), body, ct));
            return ExitCodes.Ok;
        });

        var deleteForce = new Option<bool>("--force") { Description = "Delete even when that breaks expectations that hold now (audited with the flips)" };
        var delete = new Command("delete", "Stop allowing an origin") { origin, deleteForce }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            var name = parse.GetRequiredValue(origin);
            await api.DeleteOriginAsync(name, parse.GetValue(deleteForce), ct);
            output.Result(new { deleted = name }, console => console.MarkupLine($"deleted [bold]{Markup.Escape(name)}[/]"));
            return ExitCodes.Ok;
        });

        var file = new Argument<string>("file") { Description = "One origin per line, or CSV lines origin,expiresAt,note (# comments and blank lines are skipped; the note may hold commas)" };
        var import = new Command("import", $"Allow every origin in a file, {BulkLimit} per store change; adding again changes nothing, so a failed import can be re-run")
        {
            file,
        }.SetApiAction(options, environment, "rules:write", async (parse, output, api, ct) =>
        {
            var path = parse.GetRequiredValue(file);
            if (!File.Exists(path))
                return output.Fail(ExitCodes.InvalidInput, "NoFile", $"{path} does not exist.");
            List<JsonObject> entries;
            try
            {
                entries = ReadImport(path, await File.ReadAllLinesAsync(path, ct));
            }
            catch (FormatException error)
            {
                return output.Fail(ExitCodes.InvalidInput, "InvalidFile", error.Message);
            }
            int added = 0, updated = 0, unchanged = 0, done = 0;
            foreach (var chunk in entries.Chunk(BulkLimit))
            {
                JsonObject result;
                try
                {
                    result = await api.AddOriginsAsync([.. chunk], ct);
                }
                catch (AdminApiException error)
                {
                    return output.Fail(ExitCodes.ServiceError, error.StatusCode.ToString(),
                        $"The admin API answered {(int)error.StatusCode} after {done} of {entries.Count} origins were imported: {error.Message}",
                        "fix the file and run the import again; origins already imported are unchanged by a second run");
                }
                added += result["added"]?.GetValue<int>() ?? 0;
                updated += result["updated"]?.GetValue<int>() ?? 0;
                unchanged += result["unchanged"]?.GetValue<int>() ?? 0;
                done += chunk.Length;
                output.Counter("imported", done, entries.Count);
            }
            output.Result(new { file = path, origins = entries.Count, added, updated, unchanged },
                console => console.MarkupLine($"imported [bold]{entries.Count}[/] origins from {Markup.Escape(path)}: {added} added, {updated} updated, {unchanged} unchanged"));
            return ExitCodes.Ok;
        });

        return new Command("origins", "Allowed browser origins (through the admin API)") { list, add, update, delete, import };
    }

    /// <summary>Lines as the bulk route takes them; a bad expiry is an error naming the file and line.</summary>
    static List<JsonObject> ReadImport(string path, string[] lines)
    {
        var entries = new List<JsonObject>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var parts = line.Split(',', 3);
            var entry = new JsonObject { ["origin"] = parts[0].Trim() };
            if (parts.Length > 1 && parts[1].Trim() is { Length: > 0 } expiry)
                entry["expiresAt"] = DateTimeOffset.TryParse(expiry, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
                    ? at
                    : throw new FormatException($"{path}:{i + 1}: '{expiry}' is not an ISO 8601 time.");
            if (parts.Length > 2 && parts[2].Trim() is { Length: > 0 } text)
                entry["note"] = text;
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>Leaves out members that were not given, so the API sees only what the user set.</summary>
    internal static JsonObject Compact(JsonObject body)
    {
        foreach (var name in body.Where(m => m.Value is null).Select(m => m.Key).ToList())
            body.Remove(name);
        return body;
    }
}
