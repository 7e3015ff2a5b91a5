using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using EdgeAllowlist.Aws.CloudFront;
using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Testing.Fakes;

namespace EdgeAllowlist.Aws.Tests.CloudFront;

public sealed class CloudFrontClientTests : IAsyncLifetime
{
    static readonly XNamespace Ns = "http://cloudfront.amazonaws.com/doc/2020-05-31/";
    const string Code = "function handler(event) { return event.request; }";

    FakeCloudFront fake = null!;
    CloudFrontClient client = null!;

    public async Task InitializeAsync()
    {
        fake = await FakeCloudFront.StartAsync();
        client = TestAws.CloudFront(fake.Endpoint);
    }

    public async Task DisposeAsync()
    {
        fake.SignatureProblems.ShouldBeEmpty();
        await fake.DisposeAsync();
    }

    [Fact]
    public async Task Creating_a_key_value_store_posts_the_model_body_and_returns_the_store_with_its_etag()
    {
        var created = await client.CreateKeyValueStoreAsync("edge-allowlist", "rules");

        var request = fake.Requests.Single();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/2020-05-31/key-value-store");
        var root = XElement.Parse(request.BodyText);
        root.Name.ShouldBe(Ns + "CreateKeyValueStoreRequest");
        root.Element(Ns + "Name")!.Value.ShouldBe("edge-allowlist");
        root.Element(Ns + "Comment")!.Value.ShouldBe("rules");
        created.KeyValueStore.Name.ShouldBe("edge-allowlist");
        created.KeyValueStore.Arn.ShouldStartWith("arn:aws:cloudfront::123456789012:key-value-store/");
        created.KeyValueStore.Status.ShouldBe("READY");
        created.ETag.ShouldNotBeNullOrEmpty();
        created.Location.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Creating_a_store_from_an_s3_import_sends_the_import_source()
    {
        var created = await client.CreateKeyValueStoreAsync("stage", null, "arn:aws:s3:::rules-bucket/_kvs.json");

        var import = XElement.Parse(fake.Requests.Single().BodyText).Element(Ns + "ImportSource")!;
        import.Element(Ns + "SourceType")!.Value.ShouldBe("S3");
        import.Element(Ns + "SourceARN")!.Value.ShouldBe("arn:aws:s3:::rules-bucket/_kvs.json");
        created.KeyValueStore.Status.ShouldBe(CloudFrontClient.StoreProvisioning);
    }

    [Fact]
    public async Task Describing_a_store_returns_what_creating_it_returned()
    {
        var created = await client.CreateKeyValueStoreAsync("edge-allowlist", null);

        var described = await client.DescribeKeyValueStoreAsync("edge-allowlist");

        described.KeyValueStore.Arn.ShouldBe(created.KeyValueStore.Arn);
        described.KeyValueStore.Id.ShouldBe(created.KeyValueStore.Id);
        described.ETag.ShouldBe(created.ETag);
        fake.Requests.Last().Path.ShouldBe("/2020-05-31/key-value-store/edge-allowlist");
    }

    [Fact]
    public async Task Describing_a_missing_store_throws_not_found_with_the_aws_error_code()
    {
        var error = await Should.ThrowAsync<CloudFrontException>(() => client.DescribeKeyValueStoreAsync("nope"));

        error.Kind.ShouldBe(CloudFrontErrorKind.NotFound);
        error.ErrorCode.ShouldBe("EntityNotFound");
        error.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        error.RequestId.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Creating_an_existing_store_throws_already_exists()
    {
        await client.CreateKeyValueStoreAsync("edge-allowlist", null);

        var error = await Should.ThrowAsync<CloudFrontException>(() => client.CreateKeyValueStoreAsync("edge-allowlist", null));

        error.Kind.ShouldBe(CloudFrontErrorKind.AlreadyExists);
        error.ErrorCode.ShouldBe("EntityAlreadyExists");
    }

    [Fact]
    public async Task Creating_a_function_sends_base64_code_the_runtime_and_the_store_association()
    {
        var store = fake.SeedStore("rules");

        var created = await client.CreateFunctionAsync("allowlist", new("edge allowlist", FunctionConfig.JavaScript2, [store.Arn]), Encoding.UTF8.GetBytes(Code));

        var request = fake.Requests.Single();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/2020-05-31/function");
        var root = XElement.Parse(request.BodyText);
        root.Name.ShouldBe(Ns + "CreateFunctionRequest");
        root.Element(Ns + "Name")!.Value.ShouldBe("allowlist");
        var config = root.Element(Ns + "FunctionConfig")!;
        config.Element(Ns + "Runtime")!.Value.ShouldBe("cloudfront-js-2.0");
        config.Element(Ns + "KeyValueStoreAssociations")!.Element(Ns + "Quantity")!.Value.ShouldBe("1");
        config.Descendants(Ns + "KeyValueStoreARN").Single().Value.ShouldBe(store.Arn);
        Encoding.UTF8.GetString(Convert.FromBase64String(root.Element(Ns + "FunctionCode")!.Value)).ShouldBe(Code);

        created.FunctionSummary.FunctionConfig.KeyValueStoreArns.ShouldBe([store.Arn]);
        created.FunctionSummary.FunctionMetadata.Stage.ShouldBe("DEVELOPMENT");
        created.ETag.ShouldBe(fake.Functions["allowlist"].Development.ETag);
    }

    [Fact]
    public async Task Updating_with_the_development_etag_replaces_code_and_reads_the_misspelt_etag_header()
    {
        var store = fake.SeedStore("rules");
        var config = new FunctionConfig("c", FunctionConfig.JavaScript2, [store.Arn]);
        await client.CreateFunctionAsync("allowlist", config, Encoding.UTF8.GetBytes(Code));
        var development = await client.DescribeFunctionAsync("allowlist", FunctionStage.Development);

        var updated = await client.UpdateFunctionAsync("allowlist", development.ETag!, config, Encoding.UTF8.GetBytes(Code + "\n"));

        var request = fake.Requests.Last();
        request.Method.ShouldBe("PUT");
        request.Path.ShouldBe("/2020-05-31/function/allowlist");
        request.Header("If-Match").ShouldBe(development.ETag);
        XElement.Parse(request.BodyText).Name.ShouldBe(Ns + "UpdateFunctionRequest");
        updated.ETag.ShouldBe(fake.Functions["allowlist"].Development.ETag);
        updated.ETag.ShouldNotBe(development.ETag);
        Encoding.UTF8.GetString(fake.Functions["allowlist"].Development.Code).ShouldBe(Code + "\n");
    }

    [Fact]
    public async Task Updating_with_a_stale_etag_throws_precondition_failed_and_changes_nothing()
    {
        var config = new FunctionConfig("c", FunctionConfig.JavaScript2, []);
        var created = await client.CreateFunctionAsync("allowlist", config, Encoding.UTF8.GetBytes(Code));
        await client.UpdateFunctionAsync("allowlist", created.ETag!, config, Encoding.UTF8.GetBytes(Code + "\n"));

        var error = await Should.ThrowAsync<CloudFrontException>(() =>
            client.UpdateFunctionAsync("allowlist", created.ETag!, config, Encoding.UTF8.GetBytes("function handler(e) { return e; }")));

        error.Kind.ShouldBe(CloudFrontErrorKind.PreconditionFailed);
        error.ErrorCode.ShouldBe("PreconditionFailed");
        Encoding.UTF8.GetString(fake.Functions["allowlist"].Development.Code).ShouldBe(Code + "\n");
    }

    [Fact]
    public async Task Describing_asks_for_the_stage_and_a_function_never_published_has_no_live_stage()
    {
        await client.CreateFunctionAsync("allowlist", new("c", FunctionConfig.JavaScript2, []), Encoding.UTF8.GetBytes(Code));

        var development = await client.DescribeFunctionAsync("allowlist", FunctionStage.Development);
        var live = await client.TryDescribeFunctionAsync("allowlist", FunctionStage.Live);
        var missing = await client.TryDescribeFunctionAsync("other", FunctionStage.Development);

        fake.Requests.Skip(1).First().Path.ShouldBe("/2020-05-31/function/allowlist/describe");
        fake.Requests.Skip(1).First().Query.ShouldBe("?Stage=DEVELOPMENT");
        development.ETag.ShouldBe(fake.Functions["allowlist"].Development.ETag);
        development.FunctionSummary.Status.ShouldBe("UNPUBLISHED");
        live.ShouldBeNull();
        missing.ShouldBeNull();
    }

    [Fact]
    public async Task Testing_sends_the_stage_and_the_base64_event_and_returns_output_and_utilization()
    {
        var created = await client.CreateFunctionAsync("allowlist", new("c", FunctionConfig.JavaScript2, []),
            Encoding.UTF8.GetBytes("function handler(event) { return { statusCode: 403, statusDescription: 'Forbidden' }; }"));
        var eventObject = """{"version":"1.0","context":{"eventType":"viewer-request"},"viewer":{"ip":"1.2.3.4"},"request":{"method":"GET","uri":"/a","querystring":{},"headers":{}}}""";
        fake.ComputeUtilization = 31;

        var result = await client.TestFunctionAsync("allowlist", created.ETag!, FunctionStage.Development, Encoding.UTF8.GetBytes(eventObject));

        var request = fake.Requests.Last();
        request.Path.ShouldBe("/2020-05-31/function/allowlist/test");
        request.Header("If-Match").ShouldBe(created.ETag);
        var root = XElement.Parse(request.BodyText);
        root.Name.ShouldBe(Ns + "TestFunctionRequest");
        root.Element(Ns + "Stage")!.Value.ShouldBe("DEVELOPMENT");
        Encoding.UTF8.GetString(Convert.FromBase64String(root.Element(Ns + "EventObject")!.Value)).ShouldBe(eventObject);
        result.ComputeUtilization.ShouldBe("31");
        result.FunctionErrorMessage.ShouldBeNullOrEmpty();
        result.FunctionOutput.ShouldBe("""{"response":{"statusCode":403,"statusDescription":"Forbidden"}}""");
    }

    [Fact]
    public async Task Publishing_with_the_development_etag_copies_the_code_to_live()
    {
        var created = await client.CreateFunctionAsync("allowlist", new("c", FunctionConfig.JavaScript2, []), Encoding.UTF8.GetBytes(Code));

        var published = await client.PublishFunctionAsync("allowlist", created.ETag!);

        var request = fake.Requests.Last();
        request.Method.ShouldBe("POST");
        request.Path.ShouldBe("/2020-05-31/function/allowlist/publish");
        request.Header("If-Match").ShouldBe(created.ETag);
        request.Body.ShouldBeEmpty();
        published.FunctionMetadata.Stage.ShouldBe("LIVE");
        fake.Functions["allowlist"].Live!.Code.ShouldBe(Encoding.UTF8.GetBytes(Code));
    }

    [Fact]
    public async Task Publishing_with_the_live_etag_is_refused_as_cloudfront_does()
    {
        var created = await client.CreateFunctionAsync("allowlist", new("c", FunctionConfig.JavaScript2, []), Encoding.UTF8.GetBytes(Code));
        await client.PublishFunctionAsync("allowlist", created.ETag!);
        var live = await client.DescribeFunctionAsync("allowlist", FunctionStage.Live);

        var error = await Should.ThrowAsync<CloudFrontException>(() => client.PublishFunctionAsync("allowlist", live.ETag!));

        error.Kind.ShouldBe(CloudFrontErrorKind.PreconditionFailed);
    }

    [Fact]
    public async Task A_request_signed_with_the_wrong_secret_is_refused_as_access_denied()
    {
        await using var refusing = await FakeCloudFront.StartAsync();
        refusing.SeedStore("rules");
        var wrong = TestAws.CloudFront(refusing.Endpoint, new BasicAWSCredentials(FakeAwsHost.Credentials.AccessKey, "not-the-secret"));

        var error = await Should.ThrowAsync<CloudFrontException>(() => wrong.DescribeKeyValueStoreAsync("rules"));

        error.Kind.ShouldBe(CloudFrontErrorKind.AccessDenied);
        error.ErrorCode.ShouldBe("SignatureDoesNotMatch");
        refusing.SignatureProblems.ShouldHaveSingleItem().ShouldStartWith("signature mismatch");
    }

    [Fact]
    public async Task A_session_token_travels_in_a_signed_header()
    {
        var temporary = TestAws.CloudFront(fake.Endpoint, new SessionAWSCredentials(FakeAwsHost.Credentials.AccessKey, FakeAwsHost.Credentials.SecretKey, "session-token-example"));
        fake.SeedStore("rules");

        await temporary.DescribeKeyValueStoreAsync("rules");

        var request = fake.Requests.Single();
        request.Header("x-amz-security-token").ShouldBe("session-token-example");
        request.Header("Authorization")!.ShouldContain("x-amz-security-token");
    }
}
