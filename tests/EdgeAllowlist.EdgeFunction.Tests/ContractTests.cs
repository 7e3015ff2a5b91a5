using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Acornima;
using Acornima.Ast;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>function/contract.json against the function file and function/README.md.</summary>
public sealed partial class ContractTests
{
    static readonly string Source = File.ReadAllText(EdgeFunctionRuntime.DefaultPath);

    /// <summary>Values for every cfg member: the contract's own, their neighbours, and every wrong JSON type.</summary>
    public static TheoryData<string, string> MemberValues()
    {
        string[] everyType = ["null", "true", "false", "0", "1", "-1", "1.5", "\"\"", "\"x\"", "[]", "{}", "[\"/a\"]"];
        var data = new TheoryData<string, string>();
        foreach (var (name, member) in FunctionContract.Cfg)
        {
            var values = new List<string>(everyType);
            foreach (var allowed in member!["allowed"]?.AsArray() ?? []) values.Add(allowed!.ToJsonString());
            if (member["minimum"] is { } min)
                for (var n = min.GetValue<int>() - 2; n <= member["maximum"]!.GetValue<int>() + 2; n++) values.Add(n.ToString());
            if (member["allowed"] is JsonArray numbers && numbers[0]!.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                values.AddRange(["200", "400", "402", "405", "500", "\"403\"", "403.5"]);
            if (member["allowed"] is JsonArray strings && strings[0]!.GetValueKind() == System.Text.Json.JsonValueKind.String)
                values.AddRange(strings.Select(s => JsonValue.Create(s!.GetValue<string>().ToUpperInvariant())!.ToJsonString()).Append("\" enforce\""));
            if (name == "marker")
                values.AddRange(["\"_p\"", "\"p\"", "\"a-b_C9\"", $"\"{new string('m', 32)}\"", $"\"{new string('m', 33)}\"", "\"a/b\"", "\"a b\"", "\"é\"", "\"a.b\""]);
            if (name == "public")
                values.AddRange(PublicPathValues());
            foreach (var value in values.Distinct()) data.Add(name, value);
        }
        return data;
    }

    /// <summary>Public path lists, as JSON: plain ones, and each way a prefix can be ambiguous or malformed.</summary>
    public static IEnumerable<string> PublicPathValues()
    {
        string[] paths = ["/healthz", "/status/", "/.well-known/x", "/a-b_c~d", "/a%20b", "/a:b@c", "healthz", "/a/../b", "/a/./b", "/a/..", "/a/%2e%2e/b",
            "/a/%2E", "/a%2fb", "/a;b", "/a\\b", "/a%25b", "/a%00", "/a%5Cb", "/a%c0%ae", "/a%u002e", "/a?b", "/a#b", "/a b", "/a\u00e9",
            "/" + new string('p', 199), "/" + new string('p', 200), "", "/..", "/."];
        foreach (var path in paths) yield return new JsonArray(JsonValue.Create(path)).ToJsonString();
        yield return new JsonArray([.. Enumerable.Range(0, 20).Select(i => (JsonNode)$"/p{i}")]).ToJsonString();
        yield return new JsonArray([.. Enumerable.Range(0, 21).Select(i => (JsonNode)$"/p{i}")]).ToJsonString();
        yield return "[\"/a\",5]";
        yield return "[\"/a\",null]";
        yield return "\"/healthz\"";
    }

    [Theory]
    [MemberData(nameof(MemberValues))]
    public void The_function_accepts_a_cfg_member_value_exactly_when_the_contract_does(string member, string value)
    {
        using var store = new TestStore();
        var cfg = new JsonObject { ["v"] = 1 };
        if (member != "v") cfg[member] = JsonNode.Parse(value);
        else cfg["v"] = JsonNode.Parse(value);

        var policy = FunctionContract.Policy(cfg.ToJsonString(), store.Store);

        (policy is not null).ShouldBe(FunctionContract.Allows(member, JsonNode.Parse(value)), $"{member} = {value}");
        if (policy is not null && member != "v") JsonNode.DeepEquals(policy[member], JsonNode.Parse(value)).ShouldBeTrue($"{member} = {value}");
    }

    [Fact]
    public void The_function_fills_absent_members_with_the_contract_defaults_and_needs_v()
    {
        using var store = new TestStore();

        var policy = FunctionContract.Policy("{\"v\":1}", store.Store).ShouldNotBeNull();

        var defaults = FunctionContract.Defaults();
        JsonNode.DeepEquals(policy, defaults).ShouldBeTrue($"function {policy.ToJsonString()} vs contract {defaults.ToJsonString()}");
        FunctionContract.Policy("{}", store.Store).ShouldBeNull();
        FunctionContract.Cfg["v"]!["required"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public void The_function_uses_the_contracts_patterns_and_reason_codes()
    {
        var module = new Parser().ParseModule(Source);
        var patterns = module.DescendantNodes().OfType<RegExpLiteral>().Select(r => r.RegExp.Pattern.Replace("\\/", "/")).ToHashSet();
        var contract = FunctionContract.Json;

        patterns.ShouldContain(contract["secret"]!["pattern"]!.GetValue<string>());
        patterns.ShouldContain(contract["cfg"]!["marker"]!["pattern"]!.GetValue<string>());
        patterns.ShouldContain(contract["cfg"]!["public"]!["items"]!["pattern"]!.GetValue<string>());
        patterns.ShouldContain(contract["scopes"]!["manifests"]!["lastSegment"]!.GetValue<string>());
        patterns.ShouldContain(contract["ambiguousUri"]!["pattern"]!.GetValue<string>());
        // Every reason the function can give is a string literal in the file, and every such literal handed to deny() is in the contract.
        var literals = module.DescendantNodes().OfType<StringLiteral>().Select(s => s.Value).ToHashSet();
        FunctionContract.Reasons.Except(literals).ShouldBeEmpty();
        var denied = module.DescendantNodes().OfType<CallExpression>()
            .Where(c => c.Callee is Identifier { Name: "deny" } && c.Arguments.Count == 2 && c.Arguments[1] is StringLiteral)
            .Select(c => ((StringLiteral)c.Arguments[1]).Value);
        denied.Except(FunctionContract.Reasons).ShouldBeEmpty();
        Encoding().IsMatch(Source).ShouldBeFalse("the file is ASCII");
    }

    [Fact]
    public void The_readme_lists_the_contracts_reason_codes_members_and_defaults()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "function", "README.md"));

        var reasons = ReasonLine().Match(readme);
        reasons.Success.ShouldBeTrue("README §6 lists the reason codes in one 'Reason codes:' sentence");
        Ticked().Matches(reasons.Groups[1].Value).Select(m => m.Groups[1].Value).ShouldBe(FunctionContract.Reasons);

        var rows = readme.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => CellSplit().Split(l.Trim().Trim('|')).Select(c => c.Trim()).ToArray())
            .Where(cells => cells.Length == 4 && FunctionContract.Cfg.ContainsKey(cells[0].Trim('`')))
            .ToDictionary(cells => cells[0].Trim('`'), cells => cells[2]);
        rows.Keys.Order().ShouldBe(FunctionContract.Cfg.Select(m => m.Key).Order());
        foreach (var (name, member) in FunctionContract.Cfg)
        {
            if (member!["default"] is { } value) JsonNode.DeepEquals(JsonNode.Parse(rows[name].Trim('`')), value).ShouldBeTrue($"README default of {name}: {rows[name]}");
            else rows[name].ShouldStartWith("—");
        }
    }

    [GeneratedRegex(@"Reason codes: ((?:`[a-z-]+`(?:, |\.|,\s*\n)?)+)")]
    private static partial Regex ReasonLine();

    [GeneratedRegex("`([a-z-]+)`")]
    private static partial Regex Ticked();

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellSplit();

    [GeneratedRegex(@"[^\x00-\x7f]")]
    private static partial Regex Encoding();
}
