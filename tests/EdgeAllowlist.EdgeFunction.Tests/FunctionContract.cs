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

    public static Regex Ambiguous => new(Json["ambiguousUri"]!["pattern"]!.GetValue<string>(), RegexOptions.IgnoreCase);

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
        if (rule["pattern"] is { } pattern && !Regex.IsMatch(value!.GetValue<string>(), pattern.GetValue<string>())) return false;
        if (rule["notMatching"] is { } name && name.GetValue<string>() == "ambiguousUri" && Ambiguous.IsMatch(value!.GetValue<string>())) return false;
        if (rule["maxItems"] is { } maxItems && value!.AsArray().Count > maxItems.GetValue<int>()) return false;
        return rule["items"] is not JsonObject items || value!.AsArray().All(item => Allows(items, item));
    }

    // The deployed handler renamed, and a one-line handler that answers with policy(cfg) in the body
    // (status 400 when policy() throws): the function's own reading of cfg, nothing re-implemented.
    static readonly EdgeFunctionRuntime Probe = EdgeFunctionRuntime.FromSource(
        EdgeFunctionRuntime.Load().Source.Replace("async function handler(event)", "async function deployed(event)")
        + "\nasync function handler(e){try{return{statusCode:200,body:JSON.stringify(policy(JSON.parse(e.cfg)))}}catch(x){return{statusCode:400}}}");

    /// <summary>What the function makes of <paramref name="cfg"/>: the policy it runs with, or null when it refuses it (reason <c>cfg</c>).</summary>
    public static JsonObject? Policy(string cfg, IKeyValueStore store)
    {
        var outcome = Probe.Run(new JsonObject { ["cfg"] = cfg }, store);
        outcome.Error.ShouldBeNull();
        return outcome.StatusCode == 200 ? JsonNode.Parse(outcome.Output["response"]!["body"]!.GetValue<string>())!.AsObject() : null;
    }
}
