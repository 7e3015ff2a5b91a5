using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>What a case expects the function to do (function/README.md §7): pass with a URI, or deny with a status and reason.</summary>
public sealed record ExpectedOutcome(string Action, string? Uri, int? Status, string? Reason)
{
    public override string ToString() => Action == "pass"
        ? Uri is null ? "pass" : $"pass {Uri}"
        : $"deny {Status?.ToString() ?? "*"}{(Reason is null ? "" : $" {Reason}")}";
}

/// <summary>
/// One <c>function/events/&lt;case&gt;.json</c>: the event exactly as TestFunction takes it and the
/// expected outcome. Cases that change the store fixture (<c>kvs</c>) cannot run against a real
/// store without changing it first, so the deploy skips them.
/// </summary>
public sealed record EventCase(string Name, string? Description, byte[] EventObject, ExpectedOutcome Expect, bool ChangesStore)
{
    /// <summary>Every case file in <paramref name="folder"/>, by name; files starting with <c>_</c> are fixtures.</summary>
    public static IReadOnlyList<EventCase> LoadFolder(string folder) =>
        Directory.EnumerateFiles(folder, "*.json")
            .Where(path => !Path.GetFileName(path).StartsWith('_'))
            .Order(StringComparer.Ordinal)
            .Select(path => Parse(Path.GetFileNameWithoutExtension(path), File.ReadAllText(path)))
            .ToList();

    public static EventCase Parse(string name, string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{name}: not a JSON object.");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"{name}: {error.Message}");
        }
        var eventObject = root["event"] as JsonObject ?? throw new InvalidDataException($"{name}: no \"event\" object.");
        var expect = root["expect"] as JsonObject ?? throw new InvalidDataException($"{name}: no \"expect\" object.");
        var action = Text(expect, "action", name);
        if (action is not ("pass" or "deny"))
            throw new InvalidDataException($"{name}: expect.action must be \"pass\" or \"deny\".");
        return new(
            name,
            Text(root, "description", name),
            Encoding.UTF8.GetBytes(eventObject.ToJsonString()),
            new(action, Text(expect, "uri", name), expect["status"] is { } status ? Number(status, name) : null, Text(expect, "reason", name)),
            root.ContainsKey("kvs"));
    }

    static string? Text(JsonObject parent, string field, string name) => parent[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        _ => throw new InvalidDataException($"{name}: \"{field}\" must be a string."),
    };

    static int Number(JsonNode node, string name) =>
        node is JsonValue value && value.TryGetValue<int>(out var number)
            ? number
            : throw new InvalidDataException($"{name}: expect.status must be an integer.");
}
