using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>
/// function/contract.json, and the function's own <c>policy()</c> run on the real file under Jint.
/// Shared with the API tests, which hold the API's layout, policy and settings validator to both.
/// </summary>
static class FunctionContract
{
    public static readonly JsonObject Json =
        JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(EdgeFunctionRuntime.DefaultPath)!, "contract.json")))!.AsObject();

    public static JsonObject Cfg => Json["cfg"]!.AsObject();

    public static IReadOnlyList<string> Reasons => [.. Json["reasons"]!.AsArray().Select(r => r!.GetValue<string>())];

    public static string Prefix(string key) => Json["keys"]![key]!["prefix"]!.GetValue<string>();

    /// <summary>A segment of dots and spaces only: never part of a plain URI.</summary>
    public static Regex DotSegment => new(Json["dotSegment"]!["pattern"]!.GetValue<string>());

    /// <summary>The default of every member that has one, as one <c>cfg</c> object.</summary>
    public static JsonObject Defaults()
    {
        var result = new JsonObject();
        foreach (var (name, member) in Cfg)
            if (member!["default"] is { } value) result[name] = value.DeepClone();
        return result;
    }

    /// <summary>Whether the contract allows <paramref name="value"/> for <paramref name="member"/> (JSON types as JavaScript sees them).</summary>
    public static bool Allows(string member, JsonNode? value) => Allows(Cfg[member]!.AsObject(), value);

    static bool Allows(JsonObject rule, JsonNode? value)
    {
        var kind = value?.GetValueKind();
        var typed = rule["type"]!.GetValue<string>() switch
        {
            "string" => kind == System.Text.Json.JsonValueKind.String,
            "boolean" => kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
            "integer" => kind == System.Text.Json.JsonValueKind.Number && value!.GetValue<double>() % 1 == 0,
            "array" => kind == System.Text.Json.JsonValueKind.Array,
            var other => throw new InvalidDataException($"contract type {other}"),
        };
        if (!typed) return false;
        if (rule["allowed"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value))) return false;
        if (rule["minimum"] is { } min && value!.GetValue<double>() < min.GetValue<double>()) return false;
        if (rule["maximum"] is { } max && value!.GetValue<double>() > max.GetValue<double>()) return false;
        if (rule["maxLength"] is { } maxLength && value!.GetValue<string>().Length > maxLength.GetValue<int>()) return false;
        if (rule["pattern"] is { } pattern && !Regex.IsMatch(value!.GetValue<string>(), EndAnchored(pattern.GetValue<string>()))) return false;
        if (rule["notMatching"] is { } name && name.GetValue<string>() == "dotSegment" && DotSegment.IsMatch(value!.GetValue<string>())) return false;
        if (rule["maxItems"] is { } maxItems && value!.AsArray().Count > maxItems.GetValue<int>()) return false;
        return rule["items"] is not JsonObject items || value!.AsArray().All(item => Allows(items, item));
    }

    /// <summary>
    /// A contract pattern for .NET, where a final <c>$</c> also matches before a trailing newline;
    /// in JavaScript (without the m flag) it matches only at the end, which <c>\z</c> means in .NET.
    /// </summary>
    public static string EndAnchored(string pattern) => pattern.EndsWith('$') ? pattern[..^1] + "\\z" : pattern;

    /// <summary>Values to try for a cfg member, as JSON: the contract's own, their neighbours, and every wrong JSON type.</summary>
    public static IReadOnlyList<string> Candidates(string name)
    {
        var member = Cfg[name]!;
        var values = new List<string> { "null", "true", "false", "0", "1", "-1", "1.5", "\"1\"", "\"\"", "\"x\"", "[]", "{}", "[\"/a\"]" };
        foreach (var allowed in member["allowed"]?.AsArray() ?? []) values.Add(allowed!.ToJsonString());
        if (member["minimum"] is { } min)
            for (var n = min.GetValue<int>() - 2; n <= member["maximum"]!.GetValue<int>() + 2; n++) values.Add(n.ToString());
        if (member["allowed"] is JsonArray numbers && numbers[0]!.GetValueKind() == System.Text.Json.JsonValueKind.Number)
            values.AddRange(["200", "400", "402", "405", "500", "403.5", "\"403\"", "\"1\""]);
        if (member["allowed"] is JsonArray strings && strings[0]!.GetValueKind() == System.Text.Json.JsonValueKind.String)
            foreach (var s in strings.Select(s => s!.GetValue<string>()))
                values.AddRange([Quote(s.ToUpperInvariant()), Quote(" " + s), Quote(s + "\n")]);
        if (name == "marker")
            values.AddRange([Quote("_p"), Quote("p"), Quote("a-b_C9"), Quote(new string('m', 32)), Quote(new string('m', 33)), Quote("a/b"),
                Quote("a b"), Quote("\u00e9"), Quote("a.b"), Quote("_p\n")]);
        if (name == "public")
            values.AddRange(PublicPathValues());
        return values.Distinct().ToList();
    }

    static string Quote(string value) => JsonValue.Create(value)!.ToJsonString();

    /// <summary>Public path lists: plain ones, and each way a prefix can be ambiguous or malformed.</summary>
    static IEnumerable<string> PublicPathValues()
    {
        string[] paths = ["/healthz", "/status/", "/.well-known/x", "/a-b_c~d", "/a%20b", "/a:b@c", "healthz", "/a/../b", "/a/./b", "/a/..", "/a/%2e%2e/b",
            "/a/%2E", "/a%2fb", "/a;b", "/a\\b", "/a%25b", "/a%00", "/a%5Cb", "/a%c0%ae", "/a%u002e", "/a?b", "/a#b", "/a b", "/a\u00e9", "/a\n",
            "/a%20", "/%20", "/..%20", "/.%20./x", "/a//b", "/a/", "/a:b", "/a=b&c!$'()*+,@",
            "/" + new string('p', 199), "/" + new string('p', 200), "", "/..", "/."];
        foreach (var path in paths) yield return new JsonArray(JsonValue.Create(path)).ToJsonString();
        yield return new JsonArray([.. Enumerable.Range(0, 20).Select(i => (JsonNode)$"/p{i}")]).ToJsonString();
        yield return new JsonArray([.. Enumerable.Range(0, 21).Select(i => (JsonNode)$"/p{i}")]).ToJsonString();
        yield return "[\"/a\",5]";
        yield return "[\"/a\",null]";
        yield return "\"/healthz\"";
    }

    // The deployed handler renamed, and a one-line handler that answers with policy(cfg) in the body
    // (status 400 when policy() throws): the function's own reading of cfg, nothing re-implemented.
    static readonly EdgeFunctionRuntime Probe = EdgeFunctionRuntime.FromSource(
        EdgeFunctionRuntime.LoadSource().Source.Replace("async function handler(event)", "async function deployed(event)")
        + "\nasync function handler(e){try{return{statusCode:200,body:JSON.stringify(policy(JSON.parse(e.cfg)))}}catch(x){return{statusCode:400}}}", deployable: false);

    /// <summary>What the function makes of <paramref name="cfg"/>: the policy it runs with, or null when it refuses it (reason <c>cfg</c>).</summary>
    public static JsonObject? Policy(string cfg, IKeyValueStore store)
    {
        var outcome = Probe.Run(new JsonObject { ["cfg"] = cfg }, store);
        outcome.Error.ShouldBeNull();
        return outcome.StatusCode == 200 ? JsonNode.Parse(outcome.Output["response"]!["body"]!.GetValue<string>())!.AsObject() : null;
    }
}
