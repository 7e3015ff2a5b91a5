using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeAllowlist.Cli.Commands.Rules;

/// <summary>
/// A plan saved by <c>plan FILE -out PLAN</c>: the exact document and the plan the API computed for
/// it, with the base it was computed against (the store's ETag and the managed rules as exported
/// then). <c>apply PLAN</c> applies that plan or refuses, naming what moved. No secrets: the
/// export never holds any.
/// </summary>
sealed record SavedPlan(Uri Api, DateTimeOffset CreatedAt, JsonObject Document, JsonObject Plan, string? BaseETag, JsonObject BaseRules)
{
    public const string Kind = "edge-allowlist-plan";
    public const int Version = 1;

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The sections the document manages; the others are left alone by apply, so their moves do not matter.</summary>
    public static IEnumerable<string> ManagedSections(JsonObject document) =>
        new[] { "origins", "userAgents", "settings", "partners" }.Where(section => document[section] is not null);

    /// <summary>The managed sections of an export, which is what the plan depends on.</summary>
    public static JsonObject Managed(JsonObject document, JsonObject export) =>
        new(ManagedSections(document).Select(section => KeyValuePair.Create(section, export[section]?.DeepClone())));

    public async Task WriteAsync(string path, CancellationToken cancellationToken)
    {
        var json = new JsonObject
        {
            ["kind"] = Kind,
            ["version"] = Version,
            ["api"] = Api.AbsoluteUri,
            ["createdAt"] = CreatedAt,
            ["base"] = new JsonObject { ["eTag"] = BaseETag, ["rules"] = BaseRules.DeepClone() },
            ["document"] = Document.DeepClone(),
            ["plan"] = Plan.DeepClone(),
        };
        await File.WriteAllTextAsync(path, json.ToJsonString(Indented) + "\n", cancellationToken);
    }

    /// <summary>The saved plan in <paramref name="path"/>, or null when the file is not one (a desired-state file, say).</summary>
    public static SavedPlan? TryRead(string path)
    {
        if (!File.Exists(path))
            return null;
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (json?["kind"]?.GetValueKind() != JsonValueKind.String || json["kind"]!.GetValue<string>() != Kind)
            return null;
        if (json["version"]?.GetValue<int>() != Version)
            throw new FormatException($"{path}: a plan of version {json["version"]}; this tool reads version {Version}. Run plan again.");
        return new(
            new Uri(json["api"]?.GetValue<string>() ?? throw new FormatException($"{path}: the plan has no api.")),
            json["createdAt"]?.GetValue<DateTimeOffset>() ?? default,
            json["document"] as JsonObject ?? throw new FormatException($"{path}: the plan has no document."),
            json["plan"] as JsonObject ?? throw new FormatException($"{path}: the plan has no plan."),
            json["base"]?["eTag"]?.GetValue<string>(),
            json["base"]?["rules"] as JsonObject ?? throw new FormatException($"{path}: the plan has no base."));
    }

    /// <summary>
    /// What differs between the rules the plan was computed against and <paramref name="now"/>, one
    /// line per rule: "origin https://a.example.com: added since the plan", "setting mode: enforce → report".
    /// </summary>
    public static IReadOnlyList<string> Moved(JsonObject before, JsonObject now)
    {
        var moved = new List<string>();
        foreach (var (section, value) in before)
        {
            var current = now[section];
            if (section == "settings")
            {
                var was = value as JsonObject ?? [];
                var @is = current as JsonObject ?? [];
                foreach (var name in was.Select(m => m.Key).Union(@is.Select(m => m.Key)).Order(StringComparer.Ordinal))
                    if (!JsonNode.DeepEquals(was[name], @is[name]))
                        moved.Add($"setting {name}: {Text(was[name])} -> {Text(@is[name])}");
                continue;
            }
            var (kind, key) = section switch
            {
                "origins" => ("origin", (Func<JsonObject, string>)(o => o["origin"]?.ToString() ?? "")),
                "userAgents" => ("User-Agent rule", o => $"{o["list"]} {o["kind"]} {o["pattern"]}"),
                _ => ("partner", o => o["id"]?.ToString() ?? ""),
            };
            var was2 = Index(value, key);
            var is2 = Index(current, key);
            foreach (var id in was2.Keys.Union(is2.Keys).Order(StringComparer.Ordinal))
            {
                var (a, b) = (was2.GetValueOrDefault(id), is2.GetValueOrDefault(id));
                if (a is null)
                    moved.Add($"{kind} {id}: added since the plan");
                else if (b is null)
                    moved.Add($"{kind} {id}: deleted since the plan");
                else if (!JsonNode.DeepEquals(a, b))
                    moved.Add($"{kind} {id}: changed since the plan ({Text(a)} -> {Text(b)})");
            }
        }
        return moved;
    }

    /// <summary>The changes in one plan that the other does not have, both ways.</summary>
    public static IReadOnlyList<string> Differences(JsonObject saved, JsonObject current)
    {
        static Dictionary<string, JsonObject> Changes(JsonObject plan) =>
            (plan["changes"]?.AsArray().OfType<JsonObject>() ?? []).ToDictionary(c => $"{c["kind"]} {c["id"]}", c => c);
        var (was, now) = (Changes(saved), Changes(current));
        var differences = new List<string>();
        foreach (var id in was.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var (a, b) = (was.GetValueOrDefault(id), now.GetValueOrDefault(id));
            if (b is null)
                differences.Add($"{id}: planned {a!["op"]}, now nothing to do");
            else if (a is null)
                differences.Add($"{id}: not planned, now {b["op"]}");
            else if (!JsonNode.DeepEquals(a, b))
                differences.Add($"{id}: planned {a["op"]} {Text(a["before"])} -> {Text(a["after"])}, now {b["op"]} {Text(b["before"])} -> {Text(b["after"])}");
        }
        return differences;
    }

    static Dictionary<string, JsonObject> Index(JsonNode? section, Func<JsonObject, string> key)
    {
        var index = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var item in section as JsonArray ?? [])
            if (item is JsonObject o)
                index[key(o)] = o;
        return index;
    }

    static string Text(JsonNode? node) => node?.ToJsonString() ?? "(none)";
}
