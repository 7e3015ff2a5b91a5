using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Acornima;
using Acornima.Ast;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>function/contract.json against the function file and function/README.md.</summary>
public sealed partial class ContractTests
{
    static readonly string Source = File.ReadAllText(EdgeFunctionRuntime.SourcePath);

    public static TheoryData<string, string> MemberValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, _) in FunctionContract.Cfg)
            foreach (var value in FunctionContract.Candidates(name)) data.Add(name, value);
        return data;
    }

    [Theory]
    [MemberData(nameof(MemberValues))]
    public void The_function_accepts_a_cfg_member_value_exactly_when_the_contract_does(string member, string value)
    {
        using var store = new TestStore();
        var cfg = new JsonObject { ["v"] = 1 };
        cfg[member] = JsonNode.Parse(value);

        var policy = FunctionContract.Policy(cfg.ToJsonString(), store.Store);

        (policy is not null).ShouldBe(FunctionContract.Allows(member, JsonNode.Parse(value)), $"{member} = {value}");
        if (policy is not null && member != "v") JsonNode.DeepEquals(policy[member], JsonNode.Parse(value)).ShouldBeTrue($"{member} = {value}");
    }

    [Fact]
    public void The_function_fills_absent_members_with_the_contract_defaults_and_needs_v()
    {
        using var store = new TestStore();

        var policy = FunctionContract.Policy("{\"v\":1}", store.Store).ShouldNotBeNull();
        policy["v"]!.GetValue<int>().ShouldBe(1, "the schema read decides how ua: shards are read");
        policy.Remove("v");

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
        patterns.ShouldContain(contract["plainUri"]!["pattern"]!.GetValue<string>());
        patterns.ShouldContain(contract["dotSegment"]!["pattern"]!.GetValue<string>());
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
