using System.Text.RegularExpressions;

namespace EdgeAllowlist.Cli.Tests;

/// <summary>
/// Every command the README and docs/ show, read as a reader would copy it: <c>edge-allowlist</c>
/// lines name real commands with options they have (and parse), <c>dotnet run/test</c> name projects
/// that exist, bench runs name scenarios the bench knows, test filters and test names in code name
/// tests that exist, and relative links (with their #anchors) reach a file and a heading.
/// </summary>
public sealed partial class DocumentedCommandsTests
{
    public static TheoryData<string> Pages() => new(Markdown.DocumentationFiles());

    /// <summary>Pages whose links are checked: the documentation and the function's contract, which it links to.</summary>
    public static TheoryData<string> LinkedPages() => new([.. Markdown.DocumentationFiles(), "function/README.md"]);

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_edge_allowlist_command_names_a_command_with_options_it_has(string page)
    {
        var problems = new List<string>();
        foreach (var (line, parse) in EdgeAllowlistLines(Markdown.Read(page)))
        {
            var resolved = Markdown.Resolve(line);
            if (resolved.UnknownWord is not null)
                problems.Add($"'{resolved.Text}': '{resolved.UnknownWord}' is not a command of 'edge-allowlist {resolved.Path}'".Replace("  ", " ", StringComparison.Ordinal));
            else if (!resolved.IsRunnable)
                problems.Add($"'{resolved.Text}': 'edge-allowlist {resolved.Path}' needs a subcommand");
            problems.AddRange(Markdown.UnknownOptions(resolved).Select(o => $"'{resolved.Text}': {o} is not an option of 'edge-allowlist {resolved.Path}'"));
            if (parse && resolved.UnknownWord is null)
            {
                var words = Markdown.ShellWords(line[(line.IndexOf("edge-allowlist ", StringComparison.Ordinal) + "edge-allowlist ".Length)..]);
                problems.AddRange(Markdown.Root.Parse(words).Errors.Select(e => $"'{resolved.Text}': {e.Message}"));
            }
        }
        problems.ShouldBeEmpty(page);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_dotnet_command_names_a_project_that_exists_and_a_bench_scenario_the_bench_knows(string page)
    {
        var problems = new List<string>();
        foreach (var command in DotnetCommands(Markdown.Read(page)))
        {
            if (command.Project is null)
                continue;
            var full = Path.Combine(RepositoryPaths.Root, command.Project);
            if (!(File.Exists(full) && command.Project.EndsWith("proj", StringComparison.Ordinal) || File.Exists(full) && command.Project.EndsWith(".slnx", StringComparison.Ordinal)
                || Directory.Exists(full) && Directory.GetFiles(full, "*.csproj").Length == 1))
                problems.Add($"'{command.Text}': {command.Project} is not a project or solution");
            if (command.Project.TrimEnd('/') == "bench/EdgeAllowlist.Bench" && command.Arguments is [var scenario, ..] && !BenchScenarios.Contains(scenario))
                problems.Add($"'{command.Text}': the bench has no scenario '{scenario}' (it has {string.Join(", ", BenchScenarios.Order(StringComparer.Ordinal))})");
        }
        problems.ShouldBeEmpty(page);
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_test_filter_and_test_name_shown_names_tests_that_exist(string page)
    {
        var markdown = Markdown.Read(page);
        var problems = new List<string>();
        foreach (var command in DotnetCommands(markdown).Where(c => c.Filter is not null))
        {
            var scope = command.Project is { } project && project.StartsWith("tests/", StringComparison.Ordinal) ? project : "tests";
            foreach (var name in FilterNames(command.Filter!))
                if (!TestNames(scope).Any(n => n.Contains(name, StringComparison.Ordinal)))
                    problems.Add($"'{command.Text}': no test in {scope} has '{name}' in its full name");
        }
        foreach (var span in Markdown.InlineCode(markdown))
            foreach (Match m in TestName().Matches(span))
                if (!TestNames("tests").Any(n => n.Contains("." + m.Value, StringComparison.Ordinal)))
                    problems.Add($"`{span}`: no test class or method '{m.Value}' in tests/");
        problems.ShouldBeEmpty(page);
    }

    [Theory]
    [MemberData(nameof(LinkedPages))]
    public void Every_relative_link_reaches_a_file_and_its_anchor_a_heading(string page)
    {
        var problems = new List<string>();
        var folder = Path.GetDirectoryName(Path.Combine(RepositoryPaths.Root, page))!;
        foreach (var target in RelativeLinks(Markdown.Read(page)))
        {
            var (path, anchor) = target.IndexOf('#') is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, null);
            var full = path.Length == 0 ? Path.Combine(RepositoryPaths.Root, page) : Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(path)));
            if (!full.StartsWith(RepositoryPaths.Root, StringComparison.Ordinal) || !File.Exists(full) && !Directory.Exists(full))
                problems.Add($"({target}): {path} is not in the repository");
            else if (anchor is not null && full.EndsWith(".md", StringComparison.Ordinal) && !HeadingAnchors(File.ReadAllText(full)).Contains(anchor))
                problems.Add($"({target}): {Path.GetRelativePath(RepositoryPaths.Root, full)} has no heading #{anchor}");
        }
        problems.ShouldBeEmpty(page);
    }

    /// <summary>The checks above see something: each kind of command occurs somewhere in the documentation.</summary>
    [Fact]
    public void The_documentation_shows_each_kind_of_command_these_tests_check()
    {
        var pages = Markdown.DocumentationFiles().Select(Markdown.Read).ToList();
        pages.SelectMany(EdgeAllowlistLines).Count(l => l.Parse).ShouldBeGreaterThan(10);
        var dotnet = pages.SelectMany(DotnetCommands).ToList();
        dotnet.Count(c => c.Project?.StartsWith("src/", StringComparison.Ordinal) == true).ShouldBeGreaterThan(0);
        dotnet.Count(c => c.Filter is not null).ShouldBeGreaterThan(10);
        dotnet.Count(c => c.Project == "bench/EdgeAllowlist.Bench" && c.Arguments.Count > 0).ShouldBeGreaterThan(3);
        pages.SelectMany(RelativeLinks).Count().ShouldBeGreaterThan(10);
    }

    /// <summary>
    /// The <c>edge-allowlist</c> lines of a page, each with whether it is a shell line to parse as
    /// well (in a fenced block); the command-tree block is a synopsis with brackets, checked by
    /// <see cref="DocumentedCommandTreeTests"/>, and inline spans are often fragments.
    /// </summary>
    static IEnumerable<(string Line, bool Parse)> EdgeAllowlistLines(string markdown)
    {
        markdown = TreeBlock().Replace(markdown, "");
        foreach (var block in Markdown.FencedBlocks(markdown))
            foreach (var line in block.Split('\n'))
                if (line.Contains("edge-allowlist ", StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'))
                    yield return (line, true);
        foreach (var span in Markdown.InlineCode(markdown))
            if (span.StartsWith("edge-allowlist ", StringComparison.Ordinal))
                yield return (span, false);
    }

    sealed record DotnetCommand(string Text, string? Project, IReadOnlyList<string> Arguments, string? Filter);

    /// <summary>Every <c>dotnet run|test|build|pack|publish</c> in the page's code: its project, the arguments after <c>--</c> and its test filter.</summary>
    static IEnumerable<DotnetCommand> DotnetCommands(string markdown)
    {
        var code = Markdown.FencedBlocks(markdown).SelectMany(b => b.Split('\n')).Concat(Markdown.InlineCode(markdown));
        foreach (var line in code)
            foreach (Match m in Dotnet().Matches(line))
            {
                var words = Markdown.ShellWords(line[(m.Index + m.Length)..]);
                var separator = words.IndexOf("--");
                var own = separator < 0 ? words : words[..separator];
                string? project = null;
                string? filter = null;
                for (var i = 0; i < own.Count; i++)
                {
                    if (own[i] is "--project" or "-p" && i + 1 < own.Count) project = own[++i];
                    else if (own[i] == "--filter" && i + 1 < own.Count) filter = own[++i];
                    else if (own[i] is "-c" or "-o" or "--configuration" or "--output" or "--urls" && i + 1 < own.Count) i++;
                    else if (i == 0 && m.Groups[1].Value != "run" && !own[i].StartsWith('-')) project = own[i];
                }
                yield return new(m.Value + " " + string.Join(' ', words), project?.TrimEnd('/'), separator < 0 ? [] : words[(separator + 1)..], filter);
            }
    }

    /// <summary>The names a filter matches by (<c>FullyQualifiedName~X</c>, or a bare X, which dotnet test reads the same way); trait clauses are not names.</summary>
    static IEnumerable<string> FilterNames(string filter)
    {
        foreach (var clause in filter.Split('|', '&').Select(c => c.Trim('(', ')', ' ')))
        {
            if (clause.StartsWith("FullyQualifiedName~", StringComparison.Ordinal) || clause.StartsWith("FullyQualifiedName=", StringComparison.Ordinal))
                yield return clause["FullyQualifiedName~".Length..];
            else if (!clause.Contains('=', StringComparison.Ordinal) && !clause.Contains('~', StringComparison.Ordinal))
                yield return clause;
        }
    }

    static readonly Dictionary<string, IReadOnlyList<string>> TestNamesByScope = [];

    /// <summary>
    /// Namespace.Class and Namespace.Class.Method for the test sources under <paramref name="scope"/>,
    /// read from the files (every class with every method of its file: a filter naming either is found).
    /// </summary>
    static IReadOnlyList<string> TestNames(string scope)
    {
        lock (TestNamesByScope)
        {
            if (TestNamesByScope.TryGetValue(scope, out var known))
                return known;
            var names = new List<string>();
            var folder = Path.Combine(RepositoryPaths.Root, scope);
            var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories) : [];
            foreach (var file in files.Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                var source = File.ReadAllText(file);
                var ns = Namespace().Match(source).Groups[1].Value;
                var methods = Method().Matches(source).Select(m => m.Groups[1].Value).ToList();
                foreach (Match c in Class().Matches(source))
                {
                    names.Add($"{ns}.{c.Groups[1].Value}");
                    names.AddRange(methods.Select(method => $"{ns}.{c.Groups[1].Value}.{method}"));
                }
            }
            return TestNamesByScope[scope] = names;
        }
    }

    static readonly HashSet<string> BenchScenarios =
    [
        "bdn",
        .. Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "bench", "EdgeAllowlist.Bench"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => ScenarioName().Matches(File.ReadAllText(f)).Select(m => m.Groups[1].Value)),
    ];

    /// <summary>The targets of the page's links and images that are not URLs (code excluded: a link shown as code is not followed).</summary>
    static IEnumerable<string> RelativeLinks(string markdown) =>
        Link().Matches(InlineSpan().Replace(Markdown.Prose(markdown), "``")).Select(m => m.Groups[1].Value).Where(t => !Scheme().IsMatch(t));

    /// <summary>The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered.</summary>
    static HashSet<string> HeadingAnchors(string markdown)
    {
        var anchors = new HashSet<string>();
        foreach (Match heading in Heading().Matches(Markdown.Prose(markdown.Replace("\r\n", "\n", StringComparison.Ordinal))))
        {
            var slug = new string([.. heading.Groups[1].Value.Trim().ToLowerInvariant().Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')]).Replace(' ', '-');
            var anchor = slug;
            for (var n = 1; !anchors.Add(anchor); n++)
                anchor = $"{slug}-{n}";
        }
        return anchors;
    }

    [GeneratedRegex(@"<!-- command-tree:start -->.*?<!-- command-tree:end -->", RegexOptions.Singleline)]
    private static partial Regex TreeBlock();

    [GeneratedRegex(@"\bdotnet\s+(run|test|build|pack|publish)\b")]
    private static partial Regex Dotnet();

    [GeneratedRegex(@"(?<![\w.])[A-Z]\w*Tests(?:\.\w+)?\b")]
    private static partial Regex TestName();

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"\bclass\s+(\w+)")]
    private static partial Regex Class();

    [GeneratedRegex(@"\b(?:void|Task)\s+(\w+)\s*\(")]
    private static partial Regex Method();

    [GeneratedRegex(@"\bName\s*=>\s*""([a-z0-9-]+)""")]
    private static partial Regex ScenarioName();

    [GeneratedRegex(@"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"(?<!`)`[^`]+`(?!`)")]
    private static partial Regex InlineSpan();

    [GeneratedRegex(@"^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase)]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6}\s+(.+?)\s*#*$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
