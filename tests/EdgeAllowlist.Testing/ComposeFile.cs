using System.Diagnostics;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace EdgeAllowlist.Testing;

/// <summary>
/// A compose file of the repository read as YAML, for tests that check it without a Docker engine.
/// Values are interpolated as Compose would with no variable set: <c>${NAME:-default}</c> gives the
/// default, <c>${NAME:?message}</c> and <c>${NAME}</c> give the placeholder <c>&lt;NAME&gt;</c>.
/// </summary>
public sealed partial class ComposeFile
{
    ComposeFile(string path, YamlMappingNode root)
    {
        Path = path;
        Root = root;
    }

    public string Path { get; }

    public YamlMappingNode Root { get; }

    public static ComposeFile Load(string name = "docker-compose.yml")
    {
        var path = System.IO.Path.Combine(RepositoryPaths.Root, name);
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return new(path, (YamlMappingNode)yaml.Documents[0].RootNode);
    }

    public YamlMappingNode Services => (YamlMappingNode)Root["services"];

    public IReadOnlyList<string> ServiceNames => Services.Children.Keys.Select(Text).ToList();

    public YamlMappingNode Service(string name) => (YamlMappingNode)Services[name];

    /// <summary>The service's environment, interpolated; empty when it has none.</summary>
    public Dictionary<string, string> Environment(string service) =>
        Service(service).Children.TryGetValue("environment", out var environment)
            ? ((YamlMappingNode)environment).Children.ToDictionary(e => Text(e.Key), e => Interpolate(Text(e.Value)))
            : [];

    /// <summary>Every <c>${...}</c> reference in the file as written: variable name, operator (<c>:-</c>, <c>:?</c> or empty) and operand.</summary>
    public IReadOnlyList<(string Name, string Operator, string Operand)> References() =>
        Reference().Matches(File.ReadAllText(Path)).Select(m => (m.Groups["name"].Value, m.Groups["op"].Value, m.Groups["operand"].Value)).ToList();

    /// <summary>The script of a <c>healthcheck: test: ["CMD", "bash", "-c", script]</c>.</summary>
    public string HealthcheckScript(string service)
    {
        var test = ((YamlSequenceNode)((YamlMappingNode)Service(service)["healthcheck"])["test"]).Children.Select(Text).ToList();
        return test is ["CMD", "bash", "-c", var script] ? script : throw new InvalidOperationException($"{service}: the healthcheck is not [\"CMD\", \"bash\", \"-c\", script]");
    }

    /// <summary>Runs a healthcheck script with bash, as the container would, against <c>127.0.0.1:port</c> instead of the container's 8080; its exit code.</summary>
    public static async Task<int> RunHealthcheckAsync(string script, int port)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script.Replace("127.0.0.1/8080", $"127.0.0.1/{port}", StringComparison.Ordinal));
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    public static string Interpolate(string value) =>
        Reference().Replace(value, m => m.Groups["op"].Value == ":-" ? m.Groups["operand"].Value : $"<{m.Groups["name"].Value}>");

    public static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:[-?])(?<operand>[^}]*))?\}")]
    private static partial Regex Reference();
}
