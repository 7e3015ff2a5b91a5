using System.Text.Json;
using EdgeAllowlist.Api.Features.DesiredState;
using EdgeAllowlist.Rules.DesiredState;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Tests.DesiredState;

/// <summary>
/// <c>function test --rules</c> and rollout replay run the function on <see cref="DesiredStateRules.Compile"/>;
/// apply writes what <see cref="ComputedPlan"/> plans. The two are built from the same rules, and held here
/// to the same keys on a store holding only the default policy, so what is tested is what an apply writes.
/// </summary>
public sealed class DesiredStateCompileTests
{
    public static TheoryData<string> Documents() =>
    [
        """{"version":1}""",
        """{"version":1,"settings":{}}""",
        """{"version":1,"settings":{"mode":"enforce"}}""",
        """{"version":1,"settings":{"mode":"report","publicPaths":["/health"],"secretMarker":"_x","wildcardDepth":2,"denyStatus":404,"failPolicy":"open","revealReason":true,"logDenials":true}}""",
        """{"version":1,"origins":[{"origin":"https://a.example","expiresAt":"2030-01-01T00:00:00Z","note":"n"},{"origin":"HTTPS://B.Example:443"}]}""",
        """{"version":1,"userAgents":[{"list":"allow","kind":"contains","pattern":"AppleCoreMedia/"},{"list":"deny","kind":"prefix","pattern":"curl/"},{"list":"allow","kind":"regex","pattern":"^ExoPlayer"}]}""",
        """{"version":1,"settings":{"noOrigin":"deny"},"userAgents":[{"list":"deny","kind":"wildcard","pattern":"*bot*"}],"partners":[{"id":"mt","scope":"manifests"}]}""",
        "{\"version\":1,\"userAgents\":[" + string.Join(',', Enumerable.Range(0, 16).Select(i => $"{{\"list\":\"allow\",\"kind\":\"contains\",\"pattern\":\"{i}{new string('x', 100)}\"}}")) + "]}",
    ];

    [Theory]
    [MemberData(nameof(Documents))]
    public void The_compiled_store_is_what_the_apply_plan_writes(string json)
    {
        var document = JsonSerializer.Deserialize<DesiredStateDocument>(json, JsonSerializerOptions.Web)!;
        var planned = new Dictionary<string, string>(StringComparer.Ordinal) { [KvsLayout.ConfigKey] = KvsLayout.DefaultConfig };
        foreach (var write in ComputedPlan.Compute(document, planned, new Dictionary<string, string>(), [], [], int.MaxValue).StoreWrites)
        {
            if (write.Value is null)
                planned.Remove(write.Key);
            else
                planned[write.Key] = write.Value;
        }

        var (compiled, errors) = DesiredStateRules.Compile(document.ToRules());

        errors.ShouldBeEmpty();
        compiled.ShouldNotBeNull().OrderBy(i => i.Key, StringComparer.Ordinal).ShouldBe(planned.OrderBy(i => i.Key, StringComparer.Ordinal));
        compiled.Count.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void The_rules_value_quota_is_the_stores()
    {
        KvsLayout.MaxValueBytes.ShouldBe(KvsLimits.MaxValueBytes);
    }
}
