using System.CommandLine;
using EdgeAllowlist.Cli.Commands.Rules;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.Rules.DesiredState;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>
/// <c>function test</c>: every case run through the project's runtime (the file unmodified under Jint,
/// as CloudFront's cloudfront-js-2.0 runs it) against a real local store, with no AWS call. The store
/// holds the events folder's fixture, or what an apply of a desired-state file (<c>--rules</c>) or of
/// an API's current rules (<c>--api</c>) would write; each case's own <c>kvs</c> changes go on top.
/// </summary>
static class TestCommand
{
    public static Command Build(CommonOptions options, CliEnvironment environment)
    {
        var code = FunctionFiles.CodeOption();
        var events = FunctionFiles.EventsOption();
        var rules = new Option<FileInfo?>("--rules")
        {
            Description = "Desired-state file (.yaml, .yml or .json) to build the store from, as apply would write it (default: the events folder's _kvs.json)",
        };
        var test = new Command("test", "Run every case of the events folder through the function locally (no AWS): against the fixture, a desired-state file (--rules) or an admin API's rules (--api)")
        {
            code, events, rules, options.Api,
        };
        test.Validators.Add(result =>
        {
            if (result.GetResult(rules) is { Implicit: false } && result.GetResult(options.Api) is { Implicit: false })
                result.AddError("Give --rules or --api, not both.");
        });
        test.SetAction(options, environment, async (parse, output, cancellationToken) =>
        {
            EdgeFunctionRuntime runtime;
            IReadOnlyList<EventCase> cases;
            var eventsFolder = parse.GetRequiredValue(events);
            try
            {
                runtime = (await FunctionFiles.LoadCodeAsync(parse.GetRequiredValue(code), cancellationToken)).Runtime;
                cases = FunctionFiles.LoadCases(eventsFolder);
            }
            catch (FunctionFiles.InvalidInputException error)
            {
                return output.Fail(ExitCodes.InvalidInput, error.Code, error.Message);
            }

            IReadOnlyList<KeyValueItem> store;
            var source = "";
            try
            {
                if (parse.GetValue(rules) is { } rulesFile)
                {
                    if (!rulesFile.Exists)
                        return output.Fail(ExitCodes.InvalidInput, "NoFile", $"{rulesFile.FullName} does not exist.");
                    source = rulesFile.Name;
                    store = Compile((await DesiredStateFile.ReadAsync(rulesFile.FullName, cancellationToken)).ToJsonString());
                }
                else if (parse.GetResult(options.Api) is { Implicit: false })
                {
                    if (options.AdminApi(parse) is not { } adminApi)
                        return output.Fail(ExitCodes.InvalidInput, "NoApi", "Set EDGE_ALLOWLIST_TOKEN (a token with rules:read) for --api.");
                    source = parse.GetValue(options.Api)!.ToString();
                    store = Compile((await adminApi.ExportDesiredStateAsync(cancellationToken)).ToJsonString());
                }
                else
                {
                    source = Path.Combine(eventsFolder.Name, EventCases.FixtureFileName);
                    store = EventCases.LoadFixture(eventsFolder.FullName);
                }
            }
            catch (FormatException error)
            {
                return output.Fail(ExitCodes.InvalidInput, "InvalidFile", error.Message);
            }
            catch (InvalidDesiredStateException error)
            {
                return output.Fail(ExitCodes.InvalidInput, "InvalidRules", $"{source}: {error.Message}");
            }
            catch (Exception error) when (error is FileNotFoundException or System.Text.Json.JsonException)
            {
                return output.Fail(ExitCodes.InvalidInput, "NoFixture", $"{error.Message} Give --rules or --api, or an events folder with {EventCases.FixtureFileName}.");
            }

            output.Progress($"store from [bold]{Markup.Escape(source)}[/]: {store.Count} keys");
            var results = new List<CaseResult>();
            foreach (var eventCase in cases)
            {
                var outcome = await RunAsync(runtime, eventCase, eventCase.StoreContents(store), cancellationToken);
                results.Add(CaseResult.Judge(eventCase, outcome));
            }
            var failed = results.Count(r => !r.Passed);
            output.Result(new { store = source, keys = store.Count, passed = results.Count - failed, failed, cases = results }, console =>
            {
                var table = new Table().AddColumns("case", "expected", "actual", "result");
                foreach (var result in results)
                    table.AddRow(Markup.Escape(result.Name), Markup.Escape(result.Expected), Markup.Escape(result.Actual),
                        result.Passed ? "[green]pass[/]" : $"[red]FAIL[/] {Markup.Escape(result.Problem ?? "")}");
                console.Write(table);
                console.MarkupLine(failed == 0 ? $"[green]{results.Count} passed[/]" : $"[red]{failed} failed[/], {results.Count - failed} passed");
            });
            return failed == 0 ? ExitCodes.Ok : ExitCodes.FunctionTestsFailed;
        });
        return test;
    }

    /// <summary>The store contents an apply of the document would write into a store holding only the default policy.</summary>
    /// <exception cref="InvalidDesiredStateException">The document would be refused; every problem names its path.</exception>
    static IReadOnlyList<KeyValueItem> Compile(string json)
    {
        var (document, problem) = DesiredStateRules.Read(json, "");
        var (items, errors) = document is null ? (null, [problem!]) : DesiredStateRules.Compile(document);
        if (items is null)
            throw new InvalidDesiredStateException([.. errors.Select(e => e.Field.Length == 0 ? e.Message : $"{e.Field}: {e.Message}")]);
        return [.. items.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => new KeyValueItem(i.Key, i.Value))];
    }

    sealed class InvalidDesiredStateException(IReadOnlyList<string> problems) : Exception(string.Join("; ", problems));

    /// <summary>One case on a store of its own (a real local store in a temporary folder, CloudFront's quotas included).</summary>
    static async Task<EdgeOutcome> RunAsync(EdgeFunctionRuntime runtime, EventCase eventCase, IReadOnlyList<KeyValueItem> contents, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("edge-allowlist-function-test-");
        try
        {
            using var store = LocalKeyValueStore.Open(folder.FullName);
            foreach (var batch in contents.Chunk(KvsLimits.MaxKeysPerUpdate))
                await store.UpdateKeysAsync((await store.DescribeAsync(cancellationToken)).ETag, batch, [], cancellationToken);
            return runtime.Run(eventCase.Event, store, cancellationToken: cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
