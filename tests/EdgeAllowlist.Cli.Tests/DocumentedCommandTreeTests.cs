using System.CommandLine;
using System.Text.RegularExpressions;

namespace EdgeAllowlist.Cli.Tests;

/// <summary>docs/cli.md lists the whole command tree between its command-tree markers; this keeps it the real one.</summary>
public sealed partial class DocumentedCommandTreeTests
{
    const string Page = "docs/cli.md";

    static List<DocumentedLine> TreeLines()
    {
        var block = Block().Match(Markdown.Read(Page));
        block.Success.ShouldBeTrue($"{Page} has a command-tree block");
        return [.. block.Groups[1].Value.Split('\n').Where(l => l.StartsWith("edge-allowlist ", StringComparison.Ordinal)).Select(Markdown.Resolve)];
    }

    static IEnumerable<string> LeafPaths(Command command, string prefix = "") =>
        command.Subcommands.Count == 0
            ? [prefix.Trim()]
            : command.Subcommands.SelectMany(c => LeafPaths(c, prefix + " " + c.Name));

    [Fact]
    public void The_tree_lists_every_command_once_and_only_commands_that_exist()
    {
        var lines = TreeLines();

        lines.Where(l => l.UnknownWord is not null).Select(l => l.Text).ShouldBeEmpty();
        var listed = lines.Select(l => l.Path).ToList();
        listed.ShouldBeUnique();
        listed.Order(StringComparer.Ordinal).ShouldBe(LeafPaths(Markdown.Root).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_option_the_tree_names_is_an_option_of_that_command()
    {
        foreach (var line in TreeLines())
            Markdown.UnknownOptions(line).ShouldBeEmpty($"edge-allowlist {line.Path}");
    }

    [Fact]
    public void Every_option_of_a_command_is_on_its_tree_line()
    {
        // The other direction of the test above, so a new option cannot go unlisted (as --force once did).
        // The options the page tells once, above the tree, rather than on every line.
        string[] shared = ["--api", "--token", "--output", "--profile", "--endpoint-url", "--cloudfront-endpoint", "--help"];
        var missing = TreeLines().SelectMany(l => l.Command.Options
            .Where(o => !o.Hidden && !shared.Contains(o.Name) && !o.Aliases.Append(o.Name).Any(a => Regex.IsMatch(l.Text, $@"(?<![\w-]){Regex.Escape(a)}(?![\w-])")))
            .Select(o => $"edge-allowlist {l.Path} {o.Name}"));
        missing.ShouldBeEmpty();
    }

    [GeneratedRegex(@"<!-- command-tree:start -->\s*```text\n(.*?)```\s*<!-- command-tree:end -->", RegexOptions.Singleline)]
    private static partial Regex Block();
}
