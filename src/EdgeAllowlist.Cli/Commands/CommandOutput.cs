using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands;

/// <summary>The <c>-o</c> formats, spelled on the command line in lower case.</summary>
public enum OutputFormat
{
    Text,
    Json,
    Yaml,
    Table,
}

/// <summary>
/// One place that decides how a command talks: lines and tables for people, or exactly one JSON
/// (or YAML) document on stdout for scripts. Under json every error is one JSON object on stderr.
/// </summary>
sealed class CommandOutput
{
    static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    static readonly JsonSerializerOptions CompactJson = new(JsonSerializerDefaults.Web);

    readonly CliEnvironment environment;
    readonly IAnsiConsole console;
    readonly IAnsiConsole errorConsole;

    public CommandOutput(CliEnvironment environment, OutputFormat format)
    {
        this.environment = environment;
        Format = format;
        console = Console(environment.Out);
        errorConsole = Console(environment.Error);
        // Logs and pipes have no width; wrapping an ARN or an ETag there breaks copy and grep.
        if (!console.Profile.Out.IsTerminal)
            console.Profile.Width = 240;
        // An error is one line in a log, however long: its message names what to fix.
        if (!errorConsole.Profile.Out.IsTerminal)
            errorConsole.Profile.Width = 2000;
    }

    public OutputFormat Format { get; }

    /// <summary>Colours only on a terminal: a pipe, a file or a CI log gets plain text that grep and diff read.</summary>
    static IAnsiConsole Console(TextWriter writer)
    {
        var output = new AnsiConsoleOutput(writer);
        return AnsiConsole.Create(new AnsiConsoleSettings { Out = output, Ansi = output.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No, ColorSystem = output.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors });
    }

    bool ForPeople => Format is OutputFormat.Text or OutputFormat.Table;

    /// <summary>A line saying what the command is doing; people see it, scripts reading json or yaml do not.</summary>
    public void Progress(string markup)
    {
        if (ForPeople)
            console.MarkupLine(markup);
    }

    /// <summary>A warning on stderr in every format: it never mixes into a document on stdout.</summary>
    public void Warn(string message)
    {
        if (Format == OutputFormat.Json)
            environment.Error.WriteLine(JsonSerializer.Serialize(new { warning = message }, CompactJson));
        else
            errorConsole.MarkupLine($"[yellow]warning[/] {Markup.Escape(message)}");
    }

    /// <summary>
    /// A counter for long operations (import, apply), on stderr and only when stderr is a terminal:
    /// piped or captured output gets none, so logs and documents stay clean.
    /// </summary>
    public void Counter(string what, int done, int total)
    {
        if (ForPeople && errorConsole.Profile.Out.IsTerminal)
            environment.Error.Write($"\r{what}: {done}/{total}" + (done >= total ? "\n" : ""));
    }

    /// <summary>Writes the result: <paramref name="json"/> as JSON or YAML, or whatever <paramref name="render"/> draws.</summary>
    public void Result(object json, Action<IAnsiConsole> render)
    {
        switch (Format)
        {
            case OutputFormat.Json:
                environment.Out.WriteLine(JsonSerializer.Serialize(json, JsonOptions));
                break;
            case OutputFormat.Yaml:
                environment.Out.Write(DesiredStateFile.YamlOf(JsonSerializer.SerializeToNode(json, JsonOptions) ?? new JsonObject()));
                break;
            default:
                render(console);
                break;
        }
    }

    /// <summary>
    /// A list: the whole answer as JSON/YAML, a table under <c>-o table</c>, and under text one
    /// tab-separated line per item with a header, which cut, awk and grep read.
    /// </summary>
    public void Items(object json, IEnumerable<JsonObject> items, params string[] columns) =>
        Result(json, console =>
        {
            if (Format == OutputFormat.Table)
            {
                var table = new Table().AddColumns(columns);
                foreach (var item in items)
                    table.AddRow([.. columns.Select(c => Markup.Escape(Cell(item[c])))]);
                console.Write(table);
                return;
            }
            environment.Out.WriteLine(string.Join('\t', columns));
            foreach (var item in items)
                environment.Out.WriteLine(string.Join('\t', columns.Select(c => Cell(item[c]))));
        });

    /// <summary>One object: JSON/YAML as it is, otherwise one "name: value" line per member (a two-column table under -o table).</summary>
    public void Fields(JsonObject json) =>
        Result(json, console =>
        {
            if (Format == OutputFormat.Table)
            {
                var table = new Table().AddColumns("field", "value");
                foreach (var (name, value) in json)
                    table.AddRow(Markup.Escape(name), Markup.Escape(Cell(value)));
                console.Write(table);
                return;
            }
            foreach (var (name, value) in json)
                environment.Out.WriteLine($"{name}: {Cell(value)}");
        });

    static string Cell(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonArray array when array.All(i => i is JsonValue v && v.GetValueKind() == JsonValueKind.String) => string.Join(',', array.Select(i => i!.GetValue<string>())),
        _ => node.ToJsonString(),
    };

    public int Fail(int exitCode, string code, string message, string? next = null)
    {
        if (Format == OutputFormat.Json)
            environment.Error.WriteLine(ErrorJson(exitCode, code, message, next));
        else
        {
            errorConsole.MarkupLine($"[red]error[/] {Markup.Escape(code)}: {Markup.Escape(message)}");
            if (next is not null)
                errorConsole.MarkupLine($"[yellow]next[/] {Markup.Escape(next)}");
        }
        return exitCode;
    }

    /// <summary>The one-line error object every json-mode failure prints on stderr, parse errors included.</summary>
    public static string ErrorJson(int exitCode, string code, string message, string? next = null) =>
        JsonSerializer.Serialize(new { error = new { code, message, next }, exitCode }, CompactJson);
}
