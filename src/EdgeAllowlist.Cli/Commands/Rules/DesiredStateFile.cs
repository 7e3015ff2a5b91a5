using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeAllowlist.Cli.Commands.Rules;

/// <summary>
/// A desired-state document on disk: YAML (<c>.yaml</c>, <c>.yml</c>) or JSON (<c>.json</c>), by
/// extension. Both read into the JSON the admin API takes. In YAML an unquoted <c>true</c>,
/// <c>false</c>, <c>null</c>, <c>~</c> or integer is that value and everything else is a string;
/// strings that would read otherwise are written quoted, so a file written here reads back equal.
/// </summary>
static class DesiredStateFile
{
    public const string Header = "# Edge Allowlist desired state: origins, User-Agent rules, settings, partners.\n# Secrets are not desired state: they are issued, shown once and rotated (secrets rotate), never kept here.\n";

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static bool IsYaml(string path) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".yaml" or ".yml" => true,
            ".json" => false,
            var other => throw new FormatException($"{path}: use a .yaml, .yml or .json file (not '{other}')."),
        };

    /// <summary>Reads and parses; a syntax error becomes a <see cref="FormatException"/> naming the file and line.</summary>
    public static async Task<JsonObject> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var yaml = IsYaml(path);
        var text = await File.ReadAllTextAsync(path, cancellationToken);
        try
        {
            return (yaml ? FromYaml(text) : JsonNode.Parse(text)) as JsonObject
                ?? throw new FormatException($"{path}: a desired-state document is a mapping with version, origins, userAgents, settings, partners.");
        }
        catch (Exception e) when (e is YamlException or JsonException)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    public static async Task WriteAsync(string path, JsonObject document, CancellationToken cancellationToken) =>
        await File.WriteAllTextAsync(path, IsYaml(path) ? ToYaml(document) : ToJson(document), cancellationToken);

    public static string ToJson(JsonObject document) => document.ToJsonString(Indented) + "\n";

    public static string ToYaml(JsonObject document) => Header + YamlOf(document);

    /// <summary>Any JSON value as a YAML document that reads back equal (used by <c>-o yaml</c> as well).</summary>
    public static string YamlOf(JsonNode node)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(ToYamlNode(node))).Save(writer, assignAnchors: false);
        // The emitter closes the document with "..."; a file people edit reads better without it.
        var text = writer.ToString().TrimEnd();
        if (text.EndsWith("...", StringComparison.Ordinal))
            text = text[..^3].TrimEnd();
        return text + "\n";
    }

    static JsonNode? FromYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : FromYamlNode(stream.Documents[0].RootNode);
    }

    static JsonNode? FromYamlNode(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", FromYamlNode(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(FromYamlNode)]),
        YamlScalarNode scalar when scalar.Style is ScalarStyle.Plain => Plain(scalar.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => throw new FormatException($"Unsupported YAML node at {node.Start}."),
    };

    static JsonNode? Plain(string value) => value switch
    {
        "" or "~" or "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ => JsonValue.Create(value),
    };

    /// <summary>Nulls are left out: an absent member and a null one mean the same to the API.</summary>
    static YamlNode ToYamlNode(JsonNode node) => node switch
    {
        JsonObject o => new YamlMappingNode(o.Where(m => m.Value is not null).Select(m => KeyValuePair.Create<YamlNode, YamlNode>(new YamlScalarNode(m.Key), ToYamlNode(m.Value!)))),
        JsonArray a => new YamlSequenceNode(a.Where(i => i is not null).Select(i => ToYamlNode(i!))),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Scalar(v.GetValue<string>()),
        JsonValue v => new YamlScalarNode(v.ToJsonString()) { Style = ScalarStyle.Plain },
        _ => throw new FormatException("Unexpected JSON node."),
    };

    static YamlScalarNode Scalar(string text) =>
        new(text) { Style = Plain(text) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? ScalarStyle.Any : ScalarStyle.DoubleQuoted };
}
