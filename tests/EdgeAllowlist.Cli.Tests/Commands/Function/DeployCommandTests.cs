using System.Text;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Commands.Function;

public sealed class DeployCommandTests : IAsyncLifetime
{
    // A small stand-in for allowlist.js with the same outcome shape: pass (possibly with a rewritten
    // URI) or deny with x-allowlist-reason. The fake runs it for real on every TestFunction.
    const string Allowlist = """
        function handler(event) {
            var request = event.request;
            var origin = request.headers.origin && request.headers.origin.value;
            if (origin === 'https://www.example.com') return request;
            return { statusCode: 403, statusDescription: 'Forbidden', headers: { 'x-allowlist-reason': { value: 'origin-unknown' } } };
        }
        """;

    const string PassEverything = "function handler(event) { return event.request; }";

    FakeCloudFront fake = null!;
    FakeCloudFront.StoreState store = null!;
    readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("edge-allowlist-deploy-");

    public async Task InitializeAsync()
    {
        fake = await FakeCloudFront.StartAsync();
        store = fake.SeedStore("edge-rules");
        Directory.CreateDirectory(Events);
        File.WriteAllText(Path.Combine(Events, "_kvs.json"), """{"data":[{"key":"cfg","value":"{}"}]}""");
        WriteCase("browser-allowed", "https://www.example.com", """{"action":"pass","uri":"/index.html"}""");
        WriteCase("unknown-origin-denied", "https://evil.example", """{"action":"deny","status":403,"reason":"origin-unknown"}""");
        File.WriteAllText(Path.Combine(Events, "expired-origin-denied.json"), $$$"""
            {"description":"needs a fixture change","kvs":{"put":[{"key":"o:https://old.example","value":"{\"exp\":1}"}]},
             "event":{{{Event("https://old.example")}}},"expect":{"action":"deny","status":403,"reason":"origin-expired"}}
            """);
        WriteCode(Allowlist);
    }

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
        folder.Delete(recursive: true);
    }

    string Events => Path.Combine(folder.FullName, "events");

    string CodePath => Path.Combine(folder.FullName, "allowlist.js");

    void WriteCode(string code) => File.WriteAllText(CodePath, code);

    void WriteCase(string name, string origin, string expect) =>
        File.WriteAllText(Path.Combine(Events, $"{name}.json"), $$"""{"description":"{{name}}","event":{{Event(origin)}},"expect":{{expect}}}""");

    static string Event(string origin) =>
        """{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"198.51.100.7"},"request":{"method":"GET","uri":"/index.html","querystring":{},"headers":{"host":{"value":"d111111abcdef8.cloudfront.net"},"origin":{"value":"ORIGIN"}},"cookies":{}}}"""
            .Replace("ORIGIN", origin);

    Task<CliRun> Deploy(params string[] extra) => CliRun.RunAsync(
        ["function", "deploy", "--name", "allowlist", "--code", CodePath, "--events", Events, "--kvs-arn", store.Arn,
         "--cloudfront-endpoint", fake.Endpoint.ToString(), .. extra]);

    [Fact]
    public async Task Deploying_a_new_function_creates_it_with_the_store_tests_every_case_and_publishes()
    {
        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        var function = fake.Functions["allowlist"];
        function.Live.ShouldNotBeNull();
        Encoding.UTF8.GetString(function.Live.Code).ShouldBe(Allowlist);
        function.Live.Runtime.ShouldBe("cloudfront-js-2.0");
        function.Live.KvsArns.ShouldBe([store.Arn]);
        fake.Requests.Select(r => $"{r.Method} {r.Path}").ShouldBe([
            "GET /2020-05-31/function/allowlist/describe",
            "POST /2020-05-31/function",
            "GET /2020-05-31/function/allowlist/describe",
            "POST /2020-05-31/function/allowlist/test",
            "POST /2020-05-31/function/allowlist/test",
            "POST /2020-05-31/function/allowlist/publish",
        ]);
        fake.Requests.Where(r => r.Path.EndsWith("/test") || r.Path.EndsWith("/publish"))
            .ShouldAllBe(r => r.Header("If-Match") == function.Development.ETag);
        run.Out.ShouldContain("browser-allowed");
        run.Out.ShouldContain("expired-origin-denied");
    }

    [Fact]
    public async Task Deploying_over_a_published_function_updates_it_with_the_development_etag_and_keeps_the_association()
    {
        WriteCode(PassEverything);
        var client = TestAws.CloudFront(fake.Endpoint);
        var created = await client.CreateFunctionAsync("allowlist", new("old", FunctionConfig.JavaScript2, []), Encoding.UTF8.GetBytes(PassEverything));
        await client.PublishFunctionAsync("allowlist", created.ETag!);
        var developmentETag = fake.Functions["allowlist"].Development.ETag;
        var requestsBefore = fake.Requests.Count;
        WriteCode(Allowlist);

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        var update = fake.Requests.Skip(requestsBefore).Single(r => r.Method == "PUT");
        update.Header("If-Match").ShouldBe(developmentETag);
        update.Header("If-Match").ShouldNotBe(fake.Functions["allowlist"].Live!.ETag);
        Encoding.UTF8.GetString(fake.Functions["allowlist"].Live!.Code).ShouldBe(Allowlist);
        fake.Functions["allowlist"].Live!.KvsArns.ShouldBe([store.Arn]);
        fake.Requests.Skip(requestsBefore).Where(r => r.Path.EndsWith("/test") || r.Path.EndsWith("/publish"))
            .ShouldAllBe(r => r.Header("If-Match") == fake.Functions["allowlist"].Development.ETag);
    }

    [Fact]
    public async Task A_dry_run_over_an_existing_function_shows_the_code_diff_and_the_association_and_writes_nothing()
    {
        var client = TestAws.CloudFront(fake.Endpoint);
        await client.CreateFunctionAsync("allowlist", new("old", FunctionConfig.JavaScript2, []), Encoding.UTF8.GetBytes(PassEverything));
        var development = fake.Functions["allowlist"].Development;
        var requestsBefore = fake.Requests.Count;

        var run = await Deploy("--dry-run", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["action"]!.GetValue<string>().ShouldBe("update");
        var diff = run.Json["codeDiff"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        diff.ShouldContain("-function handler(event) { return event.request; }");
        diff.ShouldContain("+    if (origin === 'https://www.example.com') return request;");
        diff[0].ShouldBe("--- allowlist (DEVELOPMENT)");
        run.Json["keyValueStoreAssociations"]!["before"]!.AsArray().Count.ShouldBe(0);
        run.Json["keyValueStoreAssociations"]!["after"]![0]!.GetValue<string>().ShouldBe(store.Arn);
        run.Json["keyValueStoreAssociations"]!["changed"]!.GetValue<bool>().ShouldBeTrue();
        run.Json["comment"]!["before"]!.GetValue<string>().ShouldBe("old");
        run.Json["codeBytes"]!.GetValue<int>().ShouldBe(Encoding.UTF8.GetByteCount(Allowlist));
        run.Json["headroomBytes"]!.GetValue<int>().ShouldBe(10_240 - Encoding.UTF8.GetByteCount(Allowlist));
        fake.Requests.Skip(requestsBefore).ShouldAllBe(r => r.Method == "GET");
        fake.Functions["allowlist"].Development.ShouldBeSameAs(development);
        fake.Functions["allowlist"].Live.ShouldBeNull();
    }

    [Fact]
    public async Task A_dry_run_for_a_new_function_says_it_would_create_it_and_calls_nothing_that_writes()
    {
        var run = await Deploy("--dry-run");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Out.ShouldContain("would create");
        run.Out.ShouldContain($"code: {Encoding.UTF8.GetByteCount(Allowlist)} bytes, {10_240 - Encoding.UTF8.GetByteCount(Allowlist)} bytes of headroom under CloudFront's 10240");
        run.Out.ShouldContain("+function handler(event) {");
        run.Out.ShouldContain(store.Arn);
        fake.Requests.ShouldAllBe(r => r.Method == "GET");
        fake.Functions.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dry_run_when_development_already_has_the_code_and_config_shows_no_change()
    {
        var client = TestAws.CloudFront(fake.Endpoint);
        await client.CreateFunctionAsync("allowlist", new("Edge Allowlist (managed by edge-allowlist)", FunctionConfig.JavaScript2, [store.Arn]), Encoding.UTF8.GetBytes(Allowlist));

        var run = await Deploy("--dry-run", "-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["action"]!.GetValue<string>().ShouldBe("none");
        run.Json["codeDiff"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task A_publish_that_went_through_but_answered_503_every_time_is_checked_and_reported_published()
    {
        fake.PublishAppliedThenUnavailable = 100;

        var run = await Deploy("-o", "json");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["published"]!.GetValue<bool>().ShouldBeTrue();
        Encoding.UTF8.GetString(fake.Functions["allowlist"].Live!.Code).ShouldBe(Allowlist);
        fake.Requests.Count(r => r.Path.EndsWith("/publish")).ShouldBe(TestAws.Retry.MaxAttempts);
        fake.Requests.ShouldContain(r => r.Method == "GET" && r.Path == "/2020-05-31/function/allowlist" && r.Query == "?Stage=LIVE");
    }

    [Fact]
    public async Task A_publish_that_answered_503_and_did_not_go_through_is_a_failure_with_live_unchanged()
    {
        fake.PublishUnavailable = 100;

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.ServiceError, run.Out + run.Error);
        run.Error.ShouldContain("ServiceUnavailable");
        run.Error.ShouldContain("CloudFront answered 503 after retries");
        fake.Functions["allowlist"].Live.ShouldBeNull();
    }

    [Fact]
    public async Task A_throttled_deploy_is_retried_and_completes()
    {
        fake.ThrottleNext = 3;

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        fake.Functions["allowlist"].Live.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_spurious_precondition_failure_on_publish_is_retried_once_with_the_tested_etag()
    {
        fake.SpuriousPublishPreconditionFailures = 1;

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        fake.Requests.Count(r => r.Path.EndsWith("/publish")).ShouldBe(2);
        fake.Functions["allowlist"].Live.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_function_changed_by_someone_else_after_the_tests_is_not_published()
    {
        fake.BeforePublish = function => fake.ChangeDevelopment(function, PassEverything);

        var run = await Deploy("--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.VerificationFailed, run.Out + run.Error);
        fake.Functions["allowlist"].Live.ShouldBeNull();
        run.Json["problem"]!.GetValue<string>().ShouldContain("changed after it was tested");
        run.Json["published"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task A_case_whose_outcome_differs_stops_the_deploy_before_publish()
    {
        WriteCode(PassEverything);

        var run = await Deploy("--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.FunctionTestsFailed, run.Out + run.Error);
        fake.Functions["allowlist"].Live.ShouldBeNull();
        fake.Requests.ShouldNotContain(r => r.Path.EndsWith("/publish"));
        var failed = run.Json["cases"]!.AsArray().Single(c => !c!["passed"]!.GetValue<bool>())!;
        failed["name"]!.GetValue<string>().ShouldBe("unknown-origin-denied");
        failed["problem"]!.GetValue<string>().ShouldContain("expected a denial");
        run.Json["published"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task A_failing_case_on_update_leaves_the_live_function_as_it_was()
    {
        await Deploy();
        var live = fake.Functions["allowlist"].Live!;
        WriteCode(PassEverything);

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.FunctionTestsFailed);
        run.Out.ShouldContain("nothing was published");
        fake.Functions["allowlist"].Live.ShouldBe(live);
        Encoding.UTF8.GetString(fake.Functions["allowlist"].Development.Code).ShouldBe(PassEverything);
    }

    [Fact]
    public async Task A_case_above_the_compute_threshold_stops_the_deploy_before_publish()
    {
        fake.ComputeUtilization = 85;

        var run = await Deploy("--max-compute", "80", "--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.FunctionTestsFailed);
        fake.Functions["allowlist"].Live.ShouldBeNull();
        run.Json["cases"]!.AsArray().ShouldAllBe(c => c!["problem"]!.GetValue<string>().Contains("ComputeUtilization 85"));
    }

    [Fact]
    public async Task Compute_at_the_threshold_is_allowed()
    {
        fake.ComputeUtilization = 80;

        var run = await Deploy("--max-compute", "80");

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        fake.Functions["allowlist"].Live.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_function_that_lost_its_store_association_is_neither_tested_nor_published()
    {
        fake.DropAssociations = true;

        var run = await Deploy("--output", "json");

        run.ExitCode.ShouldBe(ExitCodes.VerificationFailed, run.Out + run.Error);
        run.Json["problem"]!.GetValue<string>().ShouldContain("association");
        fake.Requests.ShouldNotContain(r => r.Path.EndsWith("/test") || r.Path.EndsWith("/publish"));
    }

    [Fact]
    public async Task No_publish_tests_the_development_stage_and_leaves_live_alone()
    {
        var run = await Deploy("--no-publish");

        run.ExitCode.ShouldBe(ExitCodes.Ok);
        fake.Functions["allowlist"].Live.ShouldBeNull();
        fake.Requests.Count(r => r.Path.EndsWith("/test")).ShouldBe(2);
    }

    [Fact]
    public async Task The_store_can_be_named_instead_of_given_by_arn()
    {
        var run = await CliRun.RunAsync("function", "deploy", "--name", "allowlist", "--code", CodePath, "--events", Events,
            "--kvs-name", "edge-rules", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        fake.Requests.First().Path.ShouldBe("/2020-05-31/key-value-store/edge-rules");
        fake.Functions["allowlist"].Live!.KvsArns.ShouldBe([store.Arn]);
    }

    [Fact]
    public async Task Code_over_the_cloudfront_size_limit_is_refused_before_anything_is_sent()
    {
        WriteCode("// " + new string('x', 10 * 1024));

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("CodeTooLarge");
        fake.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_malformed_case_file_is_refused_before_anything_is_sent()
    {
        File.WriteAllText(Path.Combine(Events, "broken.json"), """{"description":"x","event":{},"expect":{"action":"maybe"}}""");

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("broken");
        fake.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_case_file_that_is_not_json_is_refused_before_anything_is_sent()
    {
        File.WriteAllText(Path.Combine(Events, "truncated.json"), """{"description":"x","event":""");

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("InvalidEvent");
        fake.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Code_that_does_not_parse_is_refused_before_anything_is_sent()
    {
        WriteCode("function handler(event) { return event.request; ");

        var run = await Deploy();

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("InvalidCode");
        fake.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Both_or_neither_store_option_is_a_usage_error()
    {
        var run = await CliRun.RunAsync("function", "deploy", "--code", CodePath, "--events", Events, "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("--kvs-arn");
        fake.Requests.ShouldBeEmpty();
    }
}
