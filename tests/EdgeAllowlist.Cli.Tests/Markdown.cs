using System.CommandLine;
using System.Text.RegularExpressions;
using EdgeAllowlist.Cli.Commands;

namespace EdgeAllowlist.Cli.Tests;

/// <summary>
/// The repository's documentation as a reader copies from it: the markdown files, their code (fenced
/// blocks and inline spans) and the <c>edge-allowlist</c> lines in it resolved against the real tree.
/// Shared by the command-tree test and the test of every documented command.
/// </summary>
static partial class Markdown
{
    public static readonly RootCommand Root = EdgeAllowlistCli.Build(new CliEnvironment
    {
        Out = TextWriter.Null,
        Error = TextWriter.Null,
        Credentials = () => throw new InvalidOperationException("reading the tree needs no credentials"),
    });

    /// <summary>README.md and every page under docs/, as paths relative to the repository root.</summary>
    public static IReadOnlyList<string> DocumentationFiles() =>
        ["README.md", .. Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(RepositoryPaths.Root, relativePath)).Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>The body of every fenced code block, with shell line continuations joined.</summary>
    public static IEnumerable<string> FencedBlocks(string markdown) =>
        Fenced().Matches(markdown).Select(m => m.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal));

    /// <summary>The text outside fenced code blocks (prose, tables, headings).</summary>
    public static string Prose(string markdown) => Fenced().Replace(markdown, "\n");

    /// <summary>Every inline code span of the prose, line breaks inside a span read as spaces.</summary>
    public static IEnumerable<string> InlineCode(string markdown) =>
        InlineSpan().Matches(Prose(markdown)).Select(m => Regex.Replace(m.Groups[1].Value, @"\s+", " "));

    /// <summary>
    /// One documented <c>edge-allowlist</c> line: the command path it names (the words that are
    /// subcommands, from the root), the first word that should have been one but is not, and the
    /// options it names. A trailing <c># comment</c> is not part of the command.
    /// </summary>
    public static DocumentedLine Resolve(string line)
    {
        var at = line.IndexOf("edge-allowlist ", StringComparison.Ordinal);
        var command = line[(at + "edge-allowlist ".Length)..];
        command = TrailingComment().Replace(command, "");
        var words = command.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Command current = Root;
        var path = new List<string>();
        string? unknown = null;
        foreach (var word in words)
        {
            if (current.Subcommands.FirstOrDefault(c => c.Name == word) is { } sub)
            {
                current = sub;
                path.Add(word);
                continue;
            }
            if (current.Subcommands.Count > 0 && !word.StartsWith('-'))
                unknown = word;
            break;
        }
        return new(command.Trim(), string.Join(' ', path), current, unknown, [.. OptionName().Matches(command).Select(m => m.Value)]);
    }

    /// <summary>The options <paramref name="line"/> names that its command (or the root) does not have.</summary>
    public static IEnumerable<string> UnknownOptions(DocumentedLine line)
    {
        var known = line.Command.Options.Concat(Root.Options).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
        return line.Options.Where(o => !known.Contains(o));
    }

    /// <summary>
    /// Shell words of one command line, quotes removed; a command substitution <c>$(…)</c> is one word
    /// (its output), and the words end at the first pipe, separator, redirect or comment.
    /// </summary>
    public static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                if (c == quote) quote = null;
                else word.Append(c);
                continue;
            }
            if (c == '$' && i + 1 < line.Length && line[i + 1] == '(')
            {
                var depth = 0;
                var start = i;
                for (; i < line.Length; i++)
                {
                    if (line[i] == '(') depth++;
                    else if (line[i] == ')' && --depth == 0) break;
                }
                word.Append("substituted").Append(start);
                inWord = true;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else if (!inWord && (c is '|' or ';' or '>' or '#' || c == '&' && i + 1 < line.Length && line[i + 1] == '&'))
            {
                return words;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    [GeneratedRegex(@"^ {0,3}```[^\n]*\n(.*?)^ {0,3}```", RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex Fenced();

    [GeneratedRegex(@"(?<!`)`([^`]+)`(?!`)")]
    private static partial Regex InlineSpan();

    [GeneratedRegex(@"\s#.*$")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"(?<![\w-])--?[a-z][a-z-]*")]
    private static partial Regex OptionName();
}

/// <summary>An <c>edge-allowlist</c> line as <see cref="Markdown.Resolve"/> read it.</summary>
sealed record DocumentedLine(string Text, string Path, Command Command, string? UnknownWord, IReadOnlyList<string> Options)
{
    /// <summary>A command that runs: a leaf of the tree, or the root asked for help or its version.</summary>
    public bool IsRunnable => Command.Subcommands.Count == 0 || Path.Length == 0 && Options is ["--help" or "-h" or "--version"];
}
