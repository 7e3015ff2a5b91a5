using EdgeAllowlist.Testing.Architecture;

namespace EdgeAllowlist.Cli.Tests.Architecture;

/// <summary>
/// The CLI is a client of the admin API over HTTP, not a second copy of the server: it shares code with
/// the API through EdgeAllowlist.Rules, EdgeAllowlist.Audit and EdgeAllowlist.Aws. What it still takes
/// from the API assembly is listed here and may only shrink: desired-state compilation (function test)
/// and the rollout rules (rollout replay) wait for the desired-state plan to move into Rules.
/// </summary>
public sealed class ArchitectureTests
{
    static readonly string[] ApiTypesStillUsed =
    [
        "EdgeAllowlist.Api.Features.DesiredState.DesiredStateStore",
        "EdgeAllowlist.Api.Features.DesiredState.InvalidDesiredStateException",
        "EdgeAllowlist.Api.Features.Rollout.RolloutRules",
    ];

    [Fact]
    public void The_cli_uses_no_api_type_beyond_the_listed_ones()
    {
        var cli = typeof(EdgeAllowlistCli).Assembly;
        var used = TypeDependencies.Of(cli)
            .Select(d => d.To)
            .Where(t => t.Assembly.GetName().Name == "EdgeAllowlist.Api")
            .Select(t => t.FullName!).Distinct().Order(StringComparer.Ordinal).ToList();

        // Equal, not a subset: when one moves out of the API it leaves this list too. When the list is
        // empty, the CLI project drops its reference to the API and this test becomes "no reference".
        used.ShouldBe(ApiTypesStillUsed);
    }
}
