using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EdgeAllowlist.Cli.Commands;

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
        JsonObject document;
        try
        {
            document = (yaml ? FromYaml(text) : JsonNode.Parse(text)) as JsonObject
                ?? throw new FormatException($"{path}: a desired-state document is a mapping with version, origins, userAgents, settings, partners.");
        }
        catch (Exception e) when (e is YamlException or JsonException)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
        CheckKeys(path, text);
        return document;
    }

    /// <summary>
    /// Every key the document may hold, by where it sits. A key outside these is an error before
    /// anything is sent: a typo such as <c>origin:</c> for <c>origins:</c> would otherwise leave the
    /// section unmanaged and plan "no changes".
    /// </summary>
    static readonly Dictionary<string, string[]> Keys = new()
    {
        [""] = ["version", "origins", "userAgents", "settings", "partners", "expectations"],
        ["origins"] = ["origin", "expiresAt", "note"],
        ["userAgents"] = ["list", "kind", "pattern"],
        ["settings"] = ["mode", "noOrigin", "publicPaths", "allowWholeSitePublic", "secretMarker", "wildcardDepth", "denyStatus", "failPolicy", "revealReason", "logDenials"],
        ["partners"] = ["id", "scope", "description"],
        ["expectations"] = ["name", "request", "expect", "reason"],
    };

    /// <summary>
    /// Finds the first unknown key and names it with its line and the closest known key. JSON is
    /// YAML too, so one walk over YAML nodes (which carry their line) covers both formats.
    /// </summary>
    static void CheckKeys(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException)
        {
            // JSON that YAML does not read (rare escapes): the API still refuses unknown members, without a line.
            return;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            return;
        Check(root, "", "");

        void Check(YamlMappingNode mapping, string section, string where)
        {
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                var known = Keys[section];
                if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    var suggestion = Closest(key, known);
                    throw new FormatException($"{path}:{keyNode.Start.Line}: unknown key '{key}'{where}" + (suggestion is null ? $"; known keys: {string.Join(", ", known)}." : $" (did you mean '{suggestion}'?)."));
                }
                if (section.Length > 0)
                    continue;
                var name = known.First(k => k.Equals(key, StringComparison.OrdinalIgnoreCase));
                if (value is YamlMappingNode settings && name == "settings")
                    Check(settings, name, " in settings");
                else if (value is YamlSequenceNode items && Keys.ContainsKey(name))
                    foreach (var item in items.Children.OfType<YamlMappingNode>())
                        Check(item, name, $" in an item of {name}");
            }
        }
    }

    /// <summary>The known key within two edits of <paramref name="key"/> (or sharing its start), if any.</summary>
    static string? Closest(string key, string[] known) =>
        known.Select(k => (Key: k, Distance: Distance(key.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(c => c.Distance <= 2 || (key.Length >= 3 && c.Key.StartsWith(key, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(c => c.Distance)
            .Select(c => c.Key)
            .FirstOrDefault();

    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var previous = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var current = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), previous + (a[i - 1] == b[j - 1] ? 0 : 1));
                previous = current;
            }
        }
        return row[b.Length];
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
