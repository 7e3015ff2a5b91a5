using System.Text;
using System.Text.RegularExpressions;
using EdgeAllowlist.Cli.Commands;
using YamlDotNet.RepresentationModel;

namespace EdgeAllowlist.Cli.Tests.Examples;

/// <summary>
/// The GitHub Actions examples are what users copy: every <c>edge-allowlist</c> command they run must
/// parse against the real command tree, so a renamed command or option breaks this test, not a user's CI.
/// </summary>
public sealed partial class WorkflowExamplesTests
{
    public static TheoryData<string> Workflows() =>
        new(Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "examples", "github-actions"), "*.yml").Select(Path.GetFileName).OfType<string>());

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_edge_allowlist_command_in_the_workflow_parses(string workflow)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "examples", "github-actions", workflow))));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        root.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).ShouldContain("jobs");

        var env = WorkflowEnv(root);
        var commands = RunScripts(root).SelectMany(CommandLines)
            .Select(args => args.Select(a => a.StartsWith('$') && env.TryGetValue(a.Trim('$', '{', '}'), out var value) ? value : a).ToArray())
            .ToList();
        commands.ShouldNotBeEmpty();
        foreach (var args in commands)
        {
            var result = EdgeAllowlistCli.Build(new CliEnvironment { Out = TextWriter.Null, Error = TextWriter.Null, Credentials = () => throw new InvalidOperationException("parsing needs no credentials") }).Parse(args);
            result.Errors.Select(e => e.Message).ShouldBeEmpty($"edge-allowlist {string.Join(' ', args)}");
        }
    }

    /// <summary>
    /// A path in an example that does not exist fails the copied workflow (the trigger never fires,
    /// the deploy finds no cases), so every path it names must be in the repository: trigger paths,
    /// <c>global-json-file</c>, <c>dotnet pack</c> projects, <c>--events</c>/<c>--code</c>/<c>--rules</c>
    /// values and the files <c>plan</c>/<c>apply</c> read (a plan saved by an earlier <c>-out</c> excepted).
    /// </summary>
    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_path_the_workflow_refers_to_exists(string workflow)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "examples", "github-actions", workflow));
        var root = (YamlMappingNode)LoadYaml(text).RootNode;
        var paths = new List<string>();
        if (root.Children.TryGetValue(new YamlScalarNode("on"), out var on) && on is YamlMappingNode triggers)
            foreach (var trigger in triggers.Children.Values.OfType<YamlMappingNode>())
                if (trigger.Children.TryGetValue(new YamlScalarNode("paths"), out var globs))
                    paths.AddRange(((YamlSequenceNode)globs).Children.OfType<YamlScalarNode>().Select(g => g.Value!.Split('*')[0].TrimEnd('/')));
        paths.AddRange(GlobalJson().Matches(text).Select(m => m.Groups[1].Value));
        paths.AddRange(DotnetPack().Matches(text).Select(m => m.Groups[1].Value));
        var saved = new HashSet<string>();
        foreach (var args in RunScripts(root).SelectMany(CommandLines))
        {
            for (var i = 0; i < args.Length - 1; i++)
                if (args[i] is "--events" or "--code" or "--rules")
                    paths.Add(args[i + 1]);
                else if (args[i] is "-out" or "--out")
                    saved.Add(args[i + 1]);
            if (args is ["plan" or "apply", var file, ..] && !file.StartsWith('-') && !saved.Contains(file))
                paths.Add(file);
        }

        paths.ShouldNotBeEmpty();
        paths.Where(path => !File.Exists(Path.Combine(RepositoryPaths.Root, path)) && !Directory.Exists(Path.Combine(RepositoryPaths.Root, path)))
            .ShouldBeEmpty($"{workflow} refers to paths that are not in the repository");
    }

    static YamlDocument LoadYaml(string text)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(text));
        return yaml.Documents.Single();
    }

    [GeneratedRegex(@"global-json-file:\s*(\S+)")]
    private static partial Regex GlobalJson();

    [GeneratedRegex(@"dotnet pack (\S+)")]
    private static partial Regex DotnetPack();

    /// <summary>
    /// The workflow-level <c>env</c>, each as a scheduled run sees it: <c>${{ inputs.x || 'default' }}</c>
    /// is its default, since a scheduled run has no inputs.
    /// </summary>
    static Dictionary<string, string> WorkflowEnv(YamlMappingNode workflow) =>
        workflow.Children.TryGetValue(new YamlScalarNode("env"), out var env)
            ? ((YamlMappingNode)env).Children.ToDictionary(
                e => ((YamlScalarNode)e.Key).Value!,
                e => InputDefault().Match(((YamlScalarNode)e.Value).Value ?? "") is { Success: true } m ? m.Groups[1].Value : ((YamlScalarNode)e.Value).Value ?? "")
            : [];

    static IEnumerable<string> RunScripts(YamlMappingNode workflow) =>
        ((YamlMappingNode)workflow.Children[new YamlScalarNode("jobs")]).Children.Values.OfType<YamlMappingNode>()
            .Where(job => job.Children.ContainsKey(new YamlScalarNode("steps")))
            .SelectMany(job => ((YamlSequenceNode)job.Children[new YamlScalarNode("steps")]).Children.OfType<YamlMappingNode>())
            .Where(step => step.Children.ContainsKey(new YamlScalarNode("run")))
            .Select(step => ((YamlScalarNode)step.Children[new YamlScalarNode("run")]).Value ?? "");

    /// <summary>The arguments after each <c>edge-allowlist</c> in a shell script, up to a pipe, redirect or separator.</summary>
    static IEnumerable<string[]> CommandLines(string script)
    {
        var joined = script.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var line in joined.Split('\n'))
        {
            var at = line.IndexOf("edge-allowlist ", StringComparison.Ordinal);
            if (at < 0 || line.TrimStart().StartsWith('#'))
                continue;
            var command = CommandEnd().Split(line[(at + "edge-allowlist ".Length)..])[0];
            yield return [.. Words(command)];
        }
    }

    /// <summary>Shell words with quotes removed; a quoted variable stays one word, as the shell would pass it.</summary>
    static IEnumerable<string> Words(string command)
    {
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in command)
        {
            if (quote is not null)
            {
                if (c == quote) quote = null;
                else word.Append(c);
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) yield return word.ToString();
                word.Clear();
                inWord = false;
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (inWord) yield return word.ToString();
    }

    [GeneratedRegex(@"\|\|\s*'([^']*)'\s*}}")]
    private static partial Regex InputDefault();

    [GeneratedRegex(@"\s(?:\||>|;|&&)")]
    private static partial Regex CommandEnd();
}
