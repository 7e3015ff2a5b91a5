using System.CommandLine;
using System.Text.RegularExpressions;

namespace EdgeAllowlist.Cli.Tests;

/// <summary>The README's CLI section lists the whole command tree; this keeps it the real one.</summary>
public sealed partial class ReadmeCommandTreeTests
{
    static readonly RootCommand Root = EdgeAllowlistCli.Build(new CliEnvironment
    {
        Out = TextWriter.Null,
        Error = TextWriter.Null,
        Credentials = () => throw new InvalidOperationException("listing needs no credentials"),
    });

    /// <summary>Each README line: the command path, then the options it names.</summary>
    static List<(string Path, Command? Command, IReadOnlyList<string> Options)> ReadmeLines()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        var block = Block().Match(readme);
        block.Success.ShouldBeTrue("README.md has a command-tree block");
        var lines = new List<(string, Command?, IReadOnlyList<string>)>();
        foreach (var line in block.Groups[1].Value.Split('\n').Where(l => l.StartsWith("edge-allowlist ", StringComparison.Ordinal)))
        {
            var words = line.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
            Command? command = Root;
            var path = new List<string>();
            foreach (var word in words)
            {
                if (command.Subcommands.FirstOrDefault(c => c.Name == word) is not { } sub)
                    break;
                command = sub;
                path.Add(word);
            }
            lines.Add((string.Join(' ', path), path.Count == 0 ? null : command,
                [.. OptionName().Matches(line.Split('#')[0]).Select(m => m.Value)]));
        }
        return lines;
    }

    static IEnumerable<string> LeafPaths(Command command, string prefix = "") =>
        command.Subcommands.Count == 0
            ? [prefix.Trim()]
            : command.Subcommands.SelectMany(c => LeafPaths(c, prefix + " " + c.Name));

    [Fact]
    public void The_readme_lists_every_command_once_and_only_commands_that_exist()
    {
        var listed = ReadmeLines().Select(l => l.Path).ToList();

        listed.ShouldBeUnique();
        listed.Order(StringComparer.Ordinal).ShouldBe(LeafPaths(Root).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_option_the_readme_names_is_an_option_of_that_command()
    {
        foreach (var (path, command, options) in ReadmeLines())
        {
            var known = command!.Options.SelectMany(o => o.Aliases.Append(o.Name)).Concat(Root.Options.SelectMany(o => o.Aliases.Append(o.Name))).ToHashSet();
            options.Where(o => !known.Contains(o)).ShouldBeEmpty($"edge-allowlist {path}");
        }
    }

    [GeneratedRegex(@"<!-- command-tree:start -->\s*```text\n(.*?)```\s*<!-- command-tree:end -->", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"(?<![\w-])--?[a-z][a-z-]*")]
    private static partial Regex OptionName();
}
