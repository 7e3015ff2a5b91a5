using System.Net;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Features.Settings;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.EdgeFunction.Tests;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Tests.Settings;

/// <summary>
/// The API's side of function/contract.json: the layout and policy constants, and the settings
/// validator, which must accept exactly the values the function's own policy() accepts.
/// </summary>
public sealed class SettingsContractTests(ApiHost host) : IClassFixture<ApiHost>
{
    /// <summary>Settings request member → the cfg member it writes.</summary>
    static readonly Dictionary<string, string> Members = new()
    {
        ["mode"] = "mode", ["noOrigin"] = "noOrigin", ["publicPaths"] = "public", ["secretMarker"] = "marker", ["wildcardDepth"] = "wild",
        ["denyStatus"] = "deny", ["failPolicy"] = "fail", ["revealReason"] = "reason", ["logDenials"] = "log",
    };

    public static TheoryData<string, string> SettingValues()
    {
        var data = new TheoryData<string, string>();
        foreach (var (field, member) in Members)
            // null means "leave unchanged" in a PATCH, so it is no value to compare.
            foreach (var value in FunctionContract.Candidates(member).Where(v => v != "null")) data.Add(field, value);
        return data;
    }

    [Theory]
    [MemberData(nameof(SettingValues))]
    public async Task The_settings_validator_accepts_a_value_exactly_when_the_functions_policy_does(string field, string value)
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        var member = Members[field];
        var raw = JsonNode.Parse(KvsLayout.DefaultConfig)!.AsObject();
        raw[member] = JsonNode.Parse(value);
        var functionAccepts = FunctionContract.Policy(raw.ToJsonString(), store) is not null;
        var etag = (await store.DescribeAsync()).ETag;

        // Forced: report, off and noOrigin allow let the forged MediaTailor request through (a flip); this test is about the validator.
        var response = await admin.SendRawAsync(HttpMethod.Patch, "/v1/settings?force=true", $"{{\"{field}\":{value}}}");

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(functionAccepts ? HttpStatusCode.OK : HttpStatusCode.BadRequest, $"{field} = {value}: {body}");
        if (!functionAccepts)
        {
            body.ShouldContain(field);
            (await store.DescribeAsync()).ETag.ShouldBe(etag);
            return;
        }
        var written = FunctionContract.Policy((await store.GetAsync(KvsLayout.ConfigKey))!.Value, store).ShouldNotBeNull("the function reads what the API wrote");
        JsonNode.DeepEquals(written[member], JsonNode.Parse(value)).ShouldBeTrue($"{field} = {value} is written as {written[member]?.ToJsonString()}");
    }

    [Fact]
    public void The_layout_and_the_policy_use_the_contracts_keys_values_and_defaults()
    {
        var cfg = FunctionContract.Cfg;
        KvsLayout.ConfigKey.ShouldBe(FunctionContract.Json["keys"]!["cfg"]!["key"]!.GetValue<string>());
        KvsLayout.OriginPrefix.ShouldBe(FunctionContract.Prefix("origin"));
        KvsLayout.SecretPrefix.ShouldBe(FunctionContract.Prefix("secret"));
        KvsLayout.UserAgentPrefix.ShouldBe(FunctionContract.Prefix("userAgent"));
        KvsLayout.MaxUserAgentShards.ShouldBe(cfg["ua"]!["maximum"]!.GetValue<int>());
        KvsLayout.DefaultMarker.ShouldBe(cfg["marker"]!["default"]!.GetValue<string>());
        KvsLayout.UserAgentShardCountMember.ShouldBe("ua");
        cfg.ContainsKey(KvsLayout.MarkerMember).ShouldBeTrue();
        var defaults = FunctionContract.Defaults();
        defaults["v"] = 2;
        JsonNode.DeepEquals(JsonNode.Parse(KvsLayout.DefaultConfig), defaults).ShouldBeTrue($"{KvsLayout.DefaultConfig} vs {defaults.ToJsonString()}");

        EdgePolicy.Modes.ShouldBe(Strings("mode"), ignoreOrder: true);
        EdgePolicy.NoOriginPolicies.ShouldBe(Strings("noOrigin"), ignoreOrder: true);
        EdgePolicy.FailPolicies.ShouldBe(Strings("fail"), ignoreOrder: true);
        EdgePolicy.DenyStatuses.ShouldBe(cfg["deny"]!["allowed"]!.AsArray().Select(v => v!.GetValue<int>()), ignoreOrder: true);
        var policy = EdgePolicy.From(null);
        JsonNode.DeepEquals(JsonNode.Parse(policy.MergeInto(null)), JsonNode.Parse(KvsLayout.DefaultConfig)).ShouldBeTrue();
        for (var i = 0; i < 100; i++)
            System.Text.RegularExpressions.Regex.IsMatch(Features.Secrets.PartnerSecrets.NewSecret(), FunctionContract.EndAnchored(FunctionContract.Json["secret"]!["pattern"]!.GetValue<string>())).ShouldBeTrue();
    }

    [Fact]
    public void The_validators_patterns_are_the_contracts()
    {
        var cfg = FunctionContract.Cfg;
        Rules.Settings.SettingsChange.SecretMarkerPattern.ShouldBe(cfg["marker"]!["pattern"]!.GetValue<string>());
        Rules.Settings.SettingsChange.SafePath().ToString().ShouldBe(FunctionContract.EndAnchored(cfg["public"]!["items"]!["pattern"]!.GetValue<string>()));
        Rules.Settings.SettingsChange.DotSegment().ToString().ShouldBe(FunctionContract.Json["dotSegment"]!["pattern"]!.GetValue<string>());
    }

    static IEnumerable<string> Strings(string member) => FunctionContract.Cfg[member]!["allowed"]!.AsArray().Select(v => v!.GetValue<string>());
}
