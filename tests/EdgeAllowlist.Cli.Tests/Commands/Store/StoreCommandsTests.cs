using EdgeAllowlist.Cli.Commands;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Cli.Tests.Commands.Store;

public sealed class StoreCommandsTests : IAsyncLifetime
{
    FakeCloudFront fake = null!;

    public async Task InitializeAsync() => fake = await FakeCloudFront.StartAsync();

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
    }

    [Fact]
    public async Task Store_create_creates_the_store_and_prints_its_arn_as_json()
    {
        var run = await CliRun.RunAsync("store", "create", "--name", "edge-rules", "--comment", "prod rules", "--output", "json", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        var json = run.Json;
        json["name"]!.GetValue<string>().ShouldBe("edge-rules");
        json["arn"]!.GetValue<string>().ShouldStartWith("arn:aws:cloudfront::123456789012:key-value-store/");
        json["action"]!.GetValue<string>().ShouldBe("created");
        fake.Requests.Single().Path.ShouldBe("/2020-05-31/key-value-store");
    }

    [Fact]
    public async Task Store_create_with_wait_polls_until_the_imported_store_is_ready()
    {
        var run = await CliRun.RunAsync("store", "create", "--name", "stage", "--import-source-arn", "arn:aws:s3:::rules-bucket/_kvs.json",
            "--wait", "60", "--output", "json", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["status"]!.GetValue<string>().ShouldBe("READY");
        fake.Requests.Select(r => $"{r.Method} {r.Path}").ShouldBe(["POST /2020-05-31/key-value-store", "GET /2020-05-31/key-value-store/stage"]);
    }

    [Fact]
    public async Task Store_create_with_wait_exits_with_the_service_error_code_when_the_import_fails()
    {
        fake.ImportsFail = true;

        var run = await CliRun.RunAsync("store", "create", "--name", "stage", "--import-source-arn", "arn:aws:s3:::rules-bucket/_kvs.json",
            "--wait", "60", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Out.ShouldContain("not ready");
        run.Out.ShouldContain("FAILED");
    }

    [Fact]
    public async Task Store_create_without_wait_returns_while_the_store_is_provisioning()
    {
        var run = await CliRun.RunAsync("store", "create", "--name", "stage", "--import-source-arn", "arn:aws:s3:::rules-bucket/_kvs.json",
            "--output", "json", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Out + run.Error);
        run.Json["status"]!.GetValue<string>().ShouldBe("PROVISIONING");
        fake.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_import_source_that_is_not_an_s3_arn_is_refused_before_anything_is_sent()
    {
        var run = await CliRun.RunAsync("store", "create", "--name", "stage", "--import-source-arn", "s3://rules-bucket/_kvs.json",
            "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        fake.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Store_describe_shows_the_store_in_a_table()
    {
        var store = fake.SeedStore("edge-rules");

        var run = await CliRun.RunAsync("store", "describe", "--name", "edge-rules", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.Ok, run.Error);
        run.Out.ShouldContain(store.Arn);
        run.Out.ShouldContain(store.ETag);
    }

    [Fact]
    public async Task Store_describe_of_a_missing_store_exits_with_the_service_error_code()
    {
        var run = await CliRun.RunAsync("store", "describe", "--name", "nope", "--output", "json", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.ErrorJson["error"]!["code"]!.GetValue<string>().ShouldBe("EntityNotFound");
    }

    [Fact]
    public async Task Store_create_of_an_existing_store_exits_with_the_service_error_code_and_says_so()
    {
        fake.SeedStore("edge-rules");

        var run = await CliRun.RunAsync("store", "create", "--name", "edge-rules", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.ServiceError);
        run.Error.ShouldContain("EntityAlreadyExists");
    }

    [Fact]
    public async Task An_invalid_store_name_is_refused_before_anything_is_sent()
    {
        var run = await CliRun.RunAsync("store", "create", "--name", "no spaces", "--cloudfront-endpoint", fake.Endpoint.ToString());

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("--name must match");
        fake.Requests.ShouldBeEmpty();
    }
}
