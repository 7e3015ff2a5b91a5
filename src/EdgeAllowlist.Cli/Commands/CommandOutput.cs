using System.Text.Json;
using Spectre.Console;

namespace EdgeAllowlist.Cli.Commands;

public enum OutputFormat
{
    Text,
    Json,
}

/// <summary>
/// One place that decides how a command talks: tables and progress lines for people, or exactly one
/// JSON document on stdout for scripts (progress is then silent and errors are JSON too).
/// </summary>
sealed class CommandOutput
{
    static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    readonly CliEnvironment environment;
    readonly IAnsiConsole console;
    readonly IAnsiConsole errorConsole;

    public CommandOutput(CliEnvironment environment, OutputFormat format)
    {
        this.environment = environment;
        Format = format;
        console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(environment.Out) });
        errorConsole = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(environment.Error) });
        // Logs and pipes have no width; wrapping an ARN or an ETag there breaks copy and grep.
        if (!console.Profile.Out.IsTerminal)
            console.Profile.Width = 240;
        // An error is one line in a log, however long: its message names what to fix.
        if (!errorConsole.Profile.Out.IsTerminal)
            errorConsole.Profile.Width = 2000;
    }

    public OutputFormat Format { get; }

    public void Progress(string markup)
    {
        if (Format == OutputFormat.Text)
            console.MarkupLine(markup);
    }

    /// <summary>Writes the result: <paramref name="json"/> as JSON, or whatever <paramref name="render"/> draws.</summary>
    public void Result(object json, Action<IAnsiConsole> render)
    {
        if (Format == OutputFormat.Json)
            environment.Out.WriteLine(JsonSerializer.Serialize(json, JsonOptions));
        else
            render(console);
    }

    public int Fail(int exitCode, string code, string message, string? next = null)
    {
        if (Format == OutputFormat.Json)
            environment.Out.WriteLine(JsonSerializer.Serialize(new { error = new { code, message, next }, exitCode }, JsonOptions));
        else
        {
            errorConsole.MarkupLine($"[red]error[/] {Markup.Escape(code)}: {Markup.Escape(message)}");
            if (next is not null)
                errorConsole.MarkupLine($"[yellow]next[/] {Markup.Escape(next)}");
        }
        return exitCode;
    }
}
