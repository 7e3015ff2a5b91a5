using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Audit.Signing;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Cli.Api;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Audit;

/// <summary><c>audit query</c>: who changed what, when, through the admin API's audit trail.</summary>
static class AuditCommands
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var from = new Option<DateTimeOffset?>("--from") { Description = "Entries at or after this time (ISO 8601)", CustomParser = CommandArguments.Timestamp };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Entries before this time (ISO 8601)", CustomParser = CommandArguments.Timestamp };
        var actor = new Option<string?>("--actor") { Description = "Token name, or kvs-external, system, anonymous" };
        var action = new Option<string?>("--action") { Description = "e.g. origin.add, token.create, auth.denied, kvs.external-change" };
        var target = new Option<string?>("--target") { Description = "One target exactly, e.g. https://www.example.com or mediatailor/sec_01J…" };
        var targetPrefix = new Option<string?>("--target-prefix") { Description = "Every target starting with this text, e.g. mediatailor/ (a partner's secrets) or ua/ (User-Agent rules); not with --target" };
        var outcome = new Option<string?>("--outcome") { Description = "success, unauthenticated, forbidden, rejected or detected" };
        var limit = CommandArguments.Limit(1000);
        var all = new Option<bool>("--all") { Description = "Follow the cursor to the oldest entry instead of stopping after one page" };

        var query = new Command("query", "Query the audit trail, newest first") { from, to, actor, action, target, targetPrefix, outcome, limit, all }
            .SetApiAction(options, environment, "audit:read", async (parse, output, api, cancellationToken) =>
        {
            var filter = new AuditFilter(parse.GetValue(from), parse.GetValue(to), parse.GetValue(actor), parse.GetValue(action), parse.GetValue(target), parse.GetValue(outcome), parse.GetValue(targetPrefix));
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

        var exportFile = new Option<string?>("--file") { Description = "Verify this NDJSON export offline (no API, no database); needs --public-key" };
        var publicKey = new Option<string?>("--public-key") { Description = "PEM public key of the audit checkpoints (GET /v1/audit/public-key, publicKeyPem)" };
        var verify = new Command("verify", "Verify the audit trail (the API's, or an export offline with --file and --public-key): exit 0 if it holds, 4 with each problem by entry if not") { exportFile, publicKey };
        options.WithApi(verify);
        verify.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            JsonObject result;
            if (parse.GetValue(exportFile) is { } path)
            {
                if (parse.GetValue(publicKey) is not { } keyPath)
                    return output.Fail(ExitCodes.InvalidInput, "NoPublicKey", "--file needs --public-key: the PEM key that signed the checkpoints", "save publicKeyPem from GET /v1/audit/public-key");
                AuditPublicKey key;
                try
                {
                    key = AuditPublicKey.FromPem(await File.ReadAllTextAsync(keyPath, cancellationToken));
                }
                catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
                {
                    return output.Fail(ExitCodes.InvalidInput, "InvalidPublicKey", $"{keyPath} is not a PEM ECDSA P-256 public key: {e.Message}");
                }
                await using var export = File.OpenRead(path);
                AuditVerification verification;
                try
                {
                    verification = await AuditExportVerifier.VerifyAsync(export, key, cancellationToken);
                }
                catch (FormatException e)
                {
                    return output.Fail(ExitCodes.InvalidInput, "InvalidExport", $"{path}: {e.Message}");
                }
                result = JsonSerializer.SerializeToNode(verification, JsonSerializerOptions.Web)!.AsObject();
            }
            else if (options.AdminApi(parse) is { } api)
                result = await api.VerifyAuditAsync(cancellationToken);
            else
                return output.Fail(ExitCodes.InvalidInput, "NoApi", CommonOptions.NoApi("audit:read"));
            var problems = result["problems"]?.AsArray() ?? [];
            output.Result(result, console =>
            {
                console.MarkupLine(result["valid"]?.GetValue<bool>() == true
                    ? $"[green]valid[/]: {result["entries"]} entries, signed through entry {result["signedThrough"]} by {result["checkpoints"]} checkpoints"
                    : $"[red]NOT VALID[/]: {problems.Count} problems in {result["entries"]} entries");
                if (problems.Count > 0)
                {
                    var table = new Table().AddColumns("kind", "seq", "checkpoint", "detail");
                    foreach (var problem in problems)
                        table.AddRow(new[] { "kind", "seq", "checkpoint", "detail" }.Select(field => Markup.Escape(problem?[field]?.ToString() ?? "")).ToArray());
                    console.Write(table);
                }
            });
            return result["valid"]?.GetValue<bool>() == false ? ExitCodes.VerificationFailed : ExitCodes.Ok;
        });

        var format = new Option<string>("--format") { Description = "ndjson (one entry per line) or csv", DefaultValueFactory = _ => "ndjson" };
        format.AcceptOnlyFromAmong("ndjson", "csv");
        var file = new Option<string?>("--file") { Description = "Write to this file instead of stdout" };
        var export = new Command("export", "Every matching entry, oldest first, as NDJSON or CSV (streamed, whatever the size)") { from, to, actor, action, target, targetPrefix, outcome, format, file }
            .SetApiAction(options, environment, "audit:read", async (parse, output, api, cancellationToken) =>
            {
                var filter = new AuditFilter(parse.GetValue(from), parse.GetValue(to), parse.GetValue(actor), parse.GetValue(action), parse.GetValue(target), parse.GetValue(outcome), parse.GetValue(targetPrefix));
                await using var stream = await api.ExportAuditAsync(filter, parse.GetRequiredValue(format), cancellationToken);
                if (parse.GetValue(file) is { } path)
                {
                    await using (var target = File.Create(path))
                        await stream.CopyToAsync(target, cancellationToken);
                    output.Result(new { file = path }, console => console.MarkupLine($"wrote [bold]{Markup.Escape(path)}[/]"));
                }
                else
                {
                    using var reader = new StreamReader(stream);
                    // The export is the document: it goes to stdout as the API sent it, in every output format.
                    char[] buffer = new char[16 * 1024];
                    int read;
                    while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
                        await environment.Out.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                return ExitCodes.Ok;
            });
        return new Command("audit", "The admin API's audit trail") { query, verify, export };
    }
}
