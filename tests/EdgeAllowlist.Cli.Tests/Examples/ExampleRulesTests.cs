using System.Text.Json.Nodes;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Cli.Tests.Commands;
using EdgeAllowlist.Cli.Tests.Fixtures;

namespace EdgeAllowlist.Cli.Tests.Examples;

/// <summary>
/// The example workflow deploys to production with examples/production-events and applies
/// examples/rules/allowlist.yaml: the cases must hold for those rules, as the real function decides
/// them (the API's simulator runs function/allowlist.js on the store the file produces).
/// </summary>
public sealed class ExampleRulesTests(AdminApiHost api) : IClassFixture<AdminApiHost>
{
    [Fact]
    public async Task The_example_rules_apply_and_every_production_event_case_holds_for_them()
    {
        var rules = Path.Combine(RepositoryPaths.Root, "examples", "rules", "allowlist.yaml");
        var applied = await CliRun.RunWithApiTokenAsync(api.AdminToken, "apply", rules, "--yes", "--api", api.BaseAddress.ToString());
        applied.ExitCode.ShouldBe(ExitCodes.Ok, applied.Out + applied.Error);

        var cases = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "examples", "production-events"), "*.json");
        cases.ShouldNotBeEmpty();
        foreach (var file in cases)
        {
            var @case = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
            var request = @case["event"]!["request"]!;
            var args = new List<string> { "simulate", request["uri"]!.GetValue<string>(), "--method", request["method"]!.GetValue<string>(), "-o", "json", "--api", api.BaseAddress.ToString() };
            foreach (var (name, value) in request["headers"]!.AsObject())
                args.AddRange(["-H", $"{name}: {value!["value"]!.GetValue<string>()}"]);
            var decision = (await CliRun.RunWithApiTokenAsync(api.AdminToken, [.. args])).Json;

            var expect = @case["expect"]!.AsObject();
            foreach (var member in new[] { "action", "status", "reason", "uri" }.Where(expect.ContainsKey))
                JsonNode.DeepEquals(decision[member], expect[member]).ShouldBeTrue($"{Path.GetFileName(file)}: {member} is {decision[member]?.ToJsonString()}, expected {expect[member]!.ToJsonString()} ({decision.ToJsonString()})");
        }
    }
}
