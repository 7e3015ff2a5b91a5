using System.Text;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;
using EdgeAllowlist.EdgeFunction;

namespace EdgeAllowlist.Cli.Tests.Commands.Function;

/// <summary>
/// The deploy as CI runs it on a stage store: the real <c>function/allowlist.js</c> and every
/// <c>function/events</c> case, against a store loaded from the cases' fixture (<c>_kvs.json</c>).
/// </summary>
public sealed class DeployRealFunctionTests : IAsyncLifetime
{
    FakeCloudFront fake = null!;
    FakeCloudFront.StoreState stage = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeCloudFront.StartAsync();
        stage = fake.SeedStore("edge-allowlist-stage");
        await FakeCloudFront.LoadAsync(stage, EventCases.LoadFixture());
    }

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
    }

    [Fact]
    public async Task The_real_function_passes_every_case_that_runs_on_the_fixture_store_and_is_published()
    {
        var runnable = EventCases.LoadAll().Where(c => c.UsesFixtureUnchanged).Select(c => c.Name).ToList();

        var run = await CliRun.RunAsync("function", "deploy", "--name", "edge-allowlist-stage", "--kvs-name", "edge-allowlist-stage",
            "--code", EdgeFunctionRuntime.DefaultPath, "--events", EventCases.DefaultFolder,
            "--cloudfront-endpoint", fake.Endpoint.ToString(), "--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["cases"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ShouldBe(runnable);
        runnable.Count.ShouldBeGreaterThan(10);
        run.Json["published"]!.GetValue<bool>().ShouldBeTrue();
        Encoding.UTF8.GetString(fake.Functions["edge-allowlist-stage"].Live!.Code).ShouldBe(File.ReadAllText(EdgeFunctionRuntime.DefaultPath));
    }

    [Fact]
    public async Task Without_the_fixture_in_the_store_the_real_function_denies_and_nothing_is_published()
    {
        var empty = fake.SeedStore("empty");

        var run = await CliRun.RunAsync("function", "deploy", "--name", "edge-allowlist-stage", "--kvs-arn", empty.Arn,
            "--code", EdgeFunctionRuntime.DefaultPath, "--events", EventCases.DefaultFolder,
            "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.FunctionTestsFailed, run.Out + run.Error);
        run.Out.ShouldContain("deny 403");
        run.Out.ShouldContain("nothing was published");
        fake.Functions["edge-allowlist-stage"].Live.ShouldBeNull();
    }
}
