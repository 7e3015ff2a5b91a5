using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction;

/// <summary>
/// The sample events in <c>function/events/</c> (format in function/README.md §7): a shared store
/// fixture in CloudFront's S3 import format, and one case per file with the TestFunction event and
/// the expected outcome. The tests run them through <see cref="EdgeFunctionRuntime"/>; a deploy
/// step can send the same events to CloudFront's TestFunction and check them with
/// <see cref="EventExpectation.Mismatches"/>.
/// </summary>
public static class EventCases
{
    public const string FixtureFileName = "_kvs.json";

    /// <summary>The attack corpus: cases in the same format, kept in one file (not TestFunction cases).</summary>
    public const string AttacksFileName = "_attacks.json";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Where the build copies the events, beside this assembly.</summary>
    public static string DefaultFolder => Path.Combine(AppContext.BaseDirectory, "function", "events");

    /// <summary>The shared store contents every case starts from.</summary>
    public static IReadOnlyList<KeyValueItem> LoadFixture(string? folder = null)
    {
        var file = Path.Combine(folder ?? DefaultFolder, FixtureFileName);
        var fixture = JsonSerializer.Deserialize<ImportFile>(File.ReadAllText(file), Json)
            ?? throw new InvalidDataException($"{file} is empty.");
        return fixture.Data.Select(d => new KeyValueItem(d.Key, d.Value)).ToList();
    }

    /// <summary>Every case, ordered by name; files starting with <c>_</c> are not cases.</summary>
    public static IReadOnlyList<EventCase> LoadAll(string? folder = null) =>
        Directory.EnumerateFiles(folder ?? DefaultFolder, "*.json")
            .Where(f => !Path.GetFileName(f).StartsWith('_'))
            .Order(StringComparer.Ordinal)
            .Select(Load)
            .ToList();

    public static EventCase Load(string file) => FromModel(Path.GetFileNameWithoutExtension(file),
        JsonSerializer.Deserialize<CaseFile>(File.ReadAllText(file), Json) ?? throw new InvalidDataException($"{file} is empty."));

    /// <summary>The cases of <see cref="AttacksFileName"/>, each named by its <c>name</c> member.</summary>
    public static IReadOnlyList<EventCase> LoadAttacks(string? folder = null)
    {
        var file = Path.Combine(folder ?? DefaultFolder, AttacksFileName);
        var corpus = JsonSerializer.Deserialize<CorpusFile>(File.ReadAllText(file), Json) ?? throw new InvalidDataException($"{file} is empty.");
        return corpus.Cases.Select(c => FromModel(c.Name ?? throw new InvalidDataException($"A case in {file} has no name."), c)).ToList();
    }

    static EventCase FromModel(string name, CaseFile model) =>
        new(
            name,
            model.Description,
            model.Event,
            model.Expect,
            model.Kvs?.Put?.Select(p => new KeyValueItem(p.Key, p.Value)).ToList() ?? [],
            model.Kvs?.Delete ?? []);

    sealed record ImportFile(IReadOnlyList<ImportItem> Data);

    sealed record ImportItem(string Key, string Value);

    sealed record CaseFile(string Description, JsonObject Event, EventExpectation Expect, StoreChanges? Kvs, string? Name = null);

    sealed record CorpusFile(string Description, IReadOnlyList<CaseFile> Cases);

    sealed record StoreChanges(IReadOnlyList<ImportItem>? Put, IReadOnlyList<string>? Delete);
}

/// <summary>One sample event; <see cref="Puts"/> and <see cref="Deletes"/> change the fixture for this case only.</summary>
public sealed record EventCase(
    string Name,
    string Description,
    JsonObject Event,
    EventExpectation Expect,
    IReadOnlyList<KeyValueItem> Puts,
    IReadOnlyList<string> Deletes)
{
    /// <summary>True when the case runs against the fixture as it is (so also against a stage store loaded from it).</summary>
    public bool UsesFixtureUnchanged => Puts.Count == 0 && Deletes.Count == 0;

    /// <summary>The store contents this case assumes.</summary>
    public IReadOnlyList<KeyValueItem> StoreContents(IReadOnlyList<KeyValueItem> fixture)
    {
        var replaced = Puts.Select(p => p.Key).Concat(Deletes).ToHashSet(StringComparer.Ordinal);
        return fixture.Where(i => !replaced.Contains(i.Key)).Concat(Puts).ToList();
    }

    public override string ToString() => Name;
}

/// <param name="Action"><c>pass</c> or <c>deny</c>.</param>
/// <param name="Uri">pass: the URI the origin receives.</param>
/// <param name="Status">deny: the status code.</param>
/// <param name="Reason">deny: the <c>x-allowlist-reason</c> header; null = no such header.</param>
/// <param name="Reads">the exact number of KVS reads (checked locally only).</param>
/// <param name="Log">a substring of the single log line; null = no log line.</param>
public sealed record EventExpectation(string Action, string? Uri, int? Status, string? Reason, int? Reads, string? Log)
{
    /// <summary>
    /// What differs between this expectation and a run: empty when it matches.
    /// <paramref name="reads"/> null skips the read count (CloudFront's TestFunction does not report it).
    /// </summary>
    public IReadOnlyList<string> Mismatches(JsonObject functionOutput, IReadOnlyList<string> logs, int? reads)
    {
        var problems = new List<string>();
        var request = functionOutput["request"];
        var response = functionOutput["response"];
        switch (Action)
        {
            case "pass" when request is null:
                problems.Add($"expected the request to pass, got {functionOutput.ToJsonString()}");
                break;
            case "pass" when Uri is not null && request!["uri"]?.GetValue<string>() != Uri:
                problems.Add($"expected uri {Uri}, got {request!["uri"]}");
                break;
            case "deny" when response is null:
                problems.Add($"expected a denial, got {functionOutput.ToJsonString()}");
                break;
            case "deny":
                var status = response!["statusCode"]?.GetValue<int>();
                if (Status is not null && status != Status) problems.Add($"expected status {Status}, got {status}");
                if (response["body"] is not null) problems.Add("a denial must have no body");
                var reason = response["headers"]?["x-allowlist-reason"]?["value"]?.GetValue<string>();
                if (reason != Reason) problems.Add($"expected reason {Reason ?? "(none)"}, got {reason ?? "(none)"}");
                break;
            case not ("pass" or "deny"):
                problems.Add($"unknown expected action '{Action}'");
                break;
        }
        if (reads is not null && Reads is not null && reads != Reads) problems.Add($"expected {Reads} KVS reads, got {reads}");
        if (Log is null && logs.Count > 0) problems.Add($"expected no log line, got {string.Join(" | ", logs)}");
        if (Log is not null && (logs.Count != 1 || !logs[0].Contains(Log, StringComparison.Ordinal)))
            problems.Add($"expected one log line containing {Log}, got [{string.Join(" | ", logs)}]");
        return problems;
    }
}
