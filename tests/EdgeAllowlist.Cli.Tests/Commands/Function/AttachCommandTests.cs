using System.Text;
using System.Xml.Linq;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Commands.Function;

/// <summary><c>function attach</c> against the control-plane fake, whose UpdateDistribution checks every body against the bundled model.</summary>
public sealed class AttachCommandTests : IAsyncLifetime
{
    const string Distribution = "EDFDVBD6EXAMPLE";
    static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

    FakeCloudFront fake = null!;
    string functionArn = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeCloudFront.StartAsync();
        var store = fake.SeedStore("edge-rules");
        var cloudFront = TestAws.CloudFront(fake.Endpoint);
        var config = new FunctionConfig("test", FunctionConfig.JavaScript2, [store.Arn]);
        await cloudFront.CreateFunctionAsync("edge-allowlist", config, Encoding.UTF8.GetBytes("function handler(event) { return event.request; }"));
        var development = await cloudFront.DescribeFunctionAsync("edge-allowlist", FunctionStage.Development);
        functionArn = (await cloudFront.PublishFunctionAsync("edge-allowlist", development.ETag!)).FunctionMetadata.FunctionArn;
        fake.SeedDistribution(Distribution, DistributionConfigs.MediaTailor());
    }

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
    }

    Task<CliRun> AttachAsync(params string[] extra) =>
        CliRun.RunAsync(["function", "attach", "--distribution", Distribution, "--cloudfront-endpoint", fake.Endpoint.ToString(), .. extra]);

    [Fact]
    public async Task Attaching_adds_the_viewer_request_association_and_changes_nothing_else()
    {
        var run = await AttachAsync("--path-pattern", "/v1/*", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["changed"]!.GetValue<bool>().ShouldBeTrue();
        var update = fake.Requests.Single(r => r.Method == "PUT");
        update.Header("If-Match").ShouldStartWith("E");
        var written = fake.Distributions[Distribution].Config;
        var behavior = written.Descendants(Ns + "CacheBehavior").Single(b => b.Element(Ns + "PathPattern")!.Value == "/v1/*");
        var association = behavior.Element(Ns + "FunctionAssociations")!;
        association.Element(Ns + "Quantity")!.Value.ShouldBe("1");
        association.Descendants(Ns + "FunctionARN").Single().Value.ShouldBe(functionArn);
        association.Descendants(Ns + "EventType").Single().Value.ShouldBe("viewer-request");
        // Inserted where the model puts it, between LambdaFunctionAssociations and FieldLevelEncryptionId.
        association.ElementsBeforeSelf().Last().Name.LocalName.ShouldBe("LambdaFunctionAssociations");

        association.Remove();
        XNode.DeepEquals(written, DistributionConfigs.MediaTailor()).ShouldBeTrue("every other field goes back as it was read");
    }

    [Fact]
    public async Task The_default_behaviour_keeps_its_viewer_response_function_beside_the_new_one()
    {
        var run = await AttachAsync("--path-pattern", "*");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        var associations = fake.Distributions[Distribution].Config.Element(Ns + "DefaultCacheBehavior")!.Element(Ns + "FunctionAssociations")!;
        associations.Element(Ns + "Quantity")!.Value.ShouldBe("2");
        associations.Descendants(Ns + "FunctionARN").Select(a => a.Value).ShouldBe([DistributionConfigs.ResponseFunctionArn, functionArn]);
    }

    [Fact]
    public async Task Another_function_on_viewer_request_is_refused_without_replace_and_replaced_with_it()
    {
        var refused = await AttachAsync("--path-pattern", "*.m3u8");

        refused.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        refused.Error.ShouldContain("AnotherFunctionAttached");
        refused.Error.ShouldContain(DistributionConfigs.OtherFunctionArn);
        refused.Error.ShouldContain("--replace");
        fake.Requests.ShouldNotContain(r => r.Method == "PUT");

        var replaced = await AttachAsync("--path-pattern", "*.m3u8", "--replace", "-o", "json");

        replaced.ExitCode.ShouldBe(ExitCodes.Ok, replaced.Out + replaced.Error);
        replaced.Json["previous"]!.GetValue<string>().ShouldBe(DistributionConfigs.OtherFunctionArn);
        var behavior = fake.Distributions[Distribution].Config.Descendants(Ns + "CacheBehavior").Single(b => b.Element(Ns + "PathPattern")!.Value == "*.m3u8");
        behavior.Descendants(Ns + "FunctionARN").Select(a => a.Value).ShouldBe([functionArn]);
    }

    [Fact]
    public async Task A_dry_run_shows_the_change_and_writes_nothing()
    {
        var before = fake.Distributions[Distribution];

        var run = await AttachAsync("--path-pattern", "/v1/*", "--dry-run");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Out.ShouldContain("would change");
        run.Out.ShouldContain(functionArn);
        fake.Requests.Where(r => r.Path.Contains("/distribution/")).ShouldAllBe(r => r.Method == "GET");
        fake.Distributions[Distribution].ShouldBeSameAs(before);
    }

    [Fact]
    public async Task Attaching_again_changes_nothing()
    {
        (await AttachAsync("--path-pattern", "/v1/*")).ExitCode.ShouldBe(ExitCodes.Ok);
        var etag = fake.Distributions[Distribution].ETag;

        var again = await AttachAsync("--path-pattern", "/v1/*");

        again.ExitCode.ShouldBe(ExitCodes.Ok);
        again.Out.ShouldContain("already attached");
        fake.Distributions[Distribution].ETag.ShouldBe(etag);
    }

    [Fact]
    public async Task An_unknown_path_pattern_names_the_ones_there_are()
    {
        var run = await AttachAsync("--path-pattern", "/v2/*");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("NoSuchCacheBehavior");
        run.Error.ShouldContain("*, /v1/*, *.m3u8");
    }

    [Fact]
    public async Task A_function_never_published_is_not_attached()
    {
        var run = await AttachAsync("--path-pattern", "/v1/*", "--name", "never-deployed");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("NotPublished");
        fake.Requests.ShouldNotContain(r => r.Path.Contains("/distribution/"));
    }
}
