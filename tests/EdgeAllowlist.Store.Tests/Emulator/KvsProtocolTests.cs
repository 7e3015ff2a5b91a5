using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using EdgeAllowlist.Aws.Signing;
using EdgeAllowlist.Emulator;

using EdgeAllowlist.Testing.Emulator;

namespace EdgeAllowlist.Store.Tests.Emulator;

public sealed class KvsProtocolTests : IAsyncLifetime
{
    const string EncodedArn = "arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2F0e2a1c34-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    static readonly ImmutableCredentials Credentials = new(RunningEmulator.AccessKeyId, RunningEmulator.SecretAccessKey, null);

    RunningEmulator emulator = null!;

    public async Task InitializeAsync() => emulator = await RunningEmulator.StartAsync();

    public async Task DisposeAsync() => await emulator.DisposeAsync();

    [Fact]
    public async Task Describe_answers_in_the_aws_wire_shape()
    {
        using var response = await SendSignedAsync(HttpMethod.Get, $"/key-value-stores/{EncodedArn}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.NonValidated["ETag"].ToString().ShouldNotBeNullOrEmpty();
        response.Headers.Contains("x-amzn-requestid").ShouldBeTrue();
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        json.GetProperty("KvsARN").GetString().ShouldBe(RunningEmulator.Arn);
        json.GetProperty("ItemCount").GetInt32().ShouldBe(0);
        json.GetProperty("TotalSizeInBytes").GetInt64().ShouldBe(0);
        json.GetProperty("Created").ValueKind.ShouldBe(JsonValueKind.Number);
        json.GetProperty("Status").GetString().ShouldBe("READY");
    }

    [Fact]
    public async Task Path_labels_are_percent_decoded_into_the_key()
    {
        var etag = await EtagAsync();
        using var put = await SendSignedAsync(HttpMethod.Put, $"/key-value-stores/{EncodedArn}/keys/a%2Fb%20c%2Bd", """{"Value":"v"}""", etag);
        put.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var list = await SendSignedAsync(HttpMethod.Get, $"/key-value-stores/{EncodedArn}/keys");
        var json = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement;
        json.GetProperty("Items")[0].GetProperty("Key").GetString().ShouldBe("a/b c+d");
        json.TryGetProperty("NextToken", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Any_host_header_is_served_as_sdks_prefix_the_account_id()
    {
        using var response = await SendSignedAsync(HttpMethod.Get, $"/key-value-stores/{EncodedArn}", host: $"123456789012.localhost:{emulator.BaseAddress.Port}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unsigned_request_is_403_access_denied_in_the_aws_error_shape()
    {
        using var response = await emulator.Admin.GetAsync($"/key-value-stores/{EncodedArn}");

        await ShouldBeAwsErrorAsync(response, HttpStatusCode.Forbidden, "AccessDeniedException");
    }

    [Fact]
    public async Task A_garbled_authorization_header_is_403_invalid_signature()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/key-value-stores/{EncodedArn}");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=garbage");

        using var response = await emulator.Admin.SendAsync(request);

        await ShouldBeAwsErrorAsync(response, HttpStatusCode.Forbidden, "InvalidSignatureException");
    }

    [Fact]
    public async Task A_plain_sigv4_signature_is_refused_as_aws_does()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(emulator.BaseAddress, $"/key-value-stores/{EncodedArn}"));
        SigV4Signer.Sign(request, [], Credentials, "us-east-1", "cloudfront-keyvaluestore", DateTime.UtcNow);

        using var response = await emulator.Admin.SendAsync(request);

        var message = await ShouldBeAwsErrorAsync(response, HttpStatusCode.Forbidden, "InvalidSignatureException");
        message.ShouldBe("The credential must be scoped to a valid region.");
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused_and_nothing_is_written()
    {
        var etag = await EtagAsync();
        var signedBody = Encoding.UTF8.GetBytes("""{"Puts":[{"Key":"k","Value":"signed"}]}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(emulator.BaseAddress, $"/key-value-stores/{EncodedArn}/keys"))
        {
            Content = new ByteArrayContent(signedBody),
        };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        SigV4aSigner.Sign(request, signedBody, Credentials, "cloudfront-keyvaluestore", DateTime.UtcNow);
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"Puts":[{"Key":"k","Value":"forged"}]}"""));

        using var response = await emulator.Admin.SendAsync(request);

        await ShouldBeAwsErrorAsync(response, HttpStatusCode.Forbidden, "InvalidSignatureException");
        (await EtagAsync()).ShouldBe(etag);
    }

    [Fact]
    public async Task A_signature_from_an_unknown_access_key_is_403()
    {
        using var response = await SendSignedAsync(HttpMethod.Get, $"/key-value-stores/{EncodedArn}", credentials: new("AKIDUNKNOWN", "secret", null));

        await ShouldBeAwsErrorAsync(response, HttpStatusCode.Forbidden, "AccessDeniedException");
    }

    [Fact]
    public async Task An_unknown_store_is_404_resource_not_found()
    {
        using var response = await SendSignedAsync(HttpMethod.Get, "/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fffffffff-ffff-ffff-ffff-ffffffffffff");

        await ShouldBeAwsErrorAsync(response, HttpStatusCode.NotFound, "ResourceNotFoundException");
    }

    [Fact]
    public async Task A_write_without_if_match_or_with_a_broken_body_is_400_and_writes_nothing()
    {
        var etag = await EtagAsync();

        using var noIfMatch = await SendSignedAsync(HttpMethod.Put, $"/key-value-stores/{EncodedArn}/keys/k", """{"Value":"v"}""");
        using var brokenJson = await SendSignedAsync(HttpMethod.Post, $"/key-value-stores/{EncodedArn}/keys", """{"Puts":[{"Key":""", etag);
        using var noValue = await SendSignedAsync(HttpMethod.Put, $"/key-value-stores/{EncodedArn}/keys/k", "{}", etag);

        await ShouldBeAwsErrorAsync(noIfMatch, HttpStatusCode.BadRequest, "ValidationException");
        await ShouldBeAwsErrorAsync(brokenJson, HttpStatusCode.BadRequest, "ValidationException");
        await ShouldBeAwsErrorAsync(noValue, HttpStatusCode.BadRequest, "ValidationException");
        (await EtagAsync()).ShouldBe(etag);
    }

    [Fact]
    public async Task Stores_created_through_the_admin_api_serve_requests_and_survive_a_restart()
    {
        using var folder = new TemporaryFolder();
        const string arn = "arn:aws:cloudfront::210987654321:key-value-store/11111111-2222-3333-4444-555555555555";
        await using (var first = await RunningEmulator.StartAsync(folder.Path))
        {
            using var created = await first.Admin.PostAsJsonAsync("/_emulator/stores", new CreateStoreRequest(arn, null));
            created.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var client = StoreClient(first, arn);
            await client.PutKeyAsync("survives", "restart", (await client.DescribeAsync()).ETag);

            using var bad = await first.Admin.PostAsJsonAsync("/_emulator/stores", new CreateStoreRequest("arn:aws:s3:::bucket", null));
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        await using var second = await RunningEmulator.StartAsync(folder.Path);
        using var again = StoreClient(second, arn);
        (await again.GetAsync("survives"))!.Value.ShouldBe("restart");
        (await second.Admin.GetFromJsonAsync<string[]>("/_emulator/stores"))!.ShouldContain(arn);
    }

    [Fact]
    public async Task Faults_can_be_read_and_switched_at_runtime_and_bad_settings_are_refused()
    {
        var faults = new FaultSettings { Seed = 3, LatencyMilliseconds = 1, ErrorRate = 0.5, ErrorStatusCodes = [429, 503] };
        await emulator.SetFaultsAsync(faults);

        var current = await emulator.Admin.GetFromJsonAsync<FaultSettings>("/_emulator/faults");
        current!.ErrorRate.ShouldBe(0.5);
        current.ErrorStatusCodes.ShouldBe([429, 503]);

        using var tooHigh = await emulator.Admin.PutAsJsonAsync("/_emulator/faults", new FaultSettings { ConflictRate = 1.5 });
        using var notAnError = await emulator.Admin.PutAsJsonAsync("/_emulator/faults", new FaultSettings { ErrorStatusCodes = [200] });
        using var negativeEdits = await emulator.Admin.PutAsJsonAsync("/_emulator/faults", new FaultSettings { EditAfterListingRate = -0.1 });

        tooHigh.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await tooHigh.Content.ReadAsStringAsync()).ShouldContain("ConflictRate must be between 0 and 1.");
        negativeEdits.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await negativeEdits.Content.ReadAsStringAsync()).ShouldContain("EditAfterListingRate must be between 0 and 1.");
        notAnError.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await emulator.Admin.GetFromJsonAsync<FaultSettings>("/_emulator/faults"))!.ErrorRate.ShouldBe(0.5);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_faults_for_the_same_calls()
    {
        async Task<List<int>> StatusesAsync()
        {
            await using var run = await RunningEmulator.StartAsync(configure: o => o.Faults = new() { Seed = 42, ErrorRate = 0.5, ErrorStatusCodes = [429, 500, 503] });
            using var client = run.Client(out var attempts, maxAttempts: 1);
            for (var i = 0; i < 30; i++)
            {
                try
                {
                    await client.ListAsync();
                }
                catch (KvsException)
                {
                    // The sequence of statuses is what is compared.
                }
            }

            return [.. attempts.Statuses];
        }

        var first = await StatusesAsync();
        var second = await StatusesAsync();

        second.ShouldBe(first);
        first.ShouldContain(200);
        first.ShouldContain(s => s != 200);
    }

    [Fact]
    public async Task An_edit_after_a_listing_lands_in_the_store_after_its_last_page_was_read_and_before_it_is_answered()
    {
        using var client = emulator.Client();
        await client.UpdateKeysAsync(await EtagAsync(), [new("a", "1"), new("b", "2"), new("c", "3")], []);
        await emulator.SetFaultsAsync(new FaultSettings { Seed = 7, EditAfterListingRate = 1 });
        var listedAt = await EtagAsync();

        var first = await client.ListAsync(null, 2);
        (await EtagAsync()).ShouldBe(listedAt, "Only a listing's last page is followed by an edit.");
        var last = await client.ListAsync(first.NextToken, 2);

        last.NextToken.ShouldBeNull();
        last.Items.Select(i => i.Key).ShouldBe(["c"]);
        var moved = await client.DescribeAsync();
        moved.ETag.ShouldNotBe(listedAt);
        moved.ItemCount.ShouldBe(4);
        var edit = $"emulator-edit-{(await emulator.Registry.Find(RunningEmulator.Arn)!.DescribeAsync()).Version}";
        (await client.GetAsync(edit)).ShouldNotBeNull();
        // A write planned on the listing meets the edit like any other writer's change.
        (await Should.ThrowAsync<KvsException>(() => client.UpdateKeysAsync(listedAt, [new("d", "4")], []))).Kind.ShouldBe(KvsErrorKind.Conflict);

        // The next whole listing holds the edit, and is followed by one more.
        (await client.ReadAllAsync()).Select(i => i.Key).ShouldBe(["a", "b", "c", edit]);
        (await client.DescribeAsync()).ItemCount.ShouldBe(5);
        await emulator.SetFaultsAsync(new FaultSettings());
        await client.ReadAllAsync();
        (await client.DescribeAsync()).ItemCount.ShouldBe(5);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_edits_after_the_same_listings()
    {
        async Task<List<long>> ItemCountsAsync()
        {
            await using var run = await RunningEmulator.StartAsync(configure: o => o.Faults = new() { Seed = 42, EditAfterListingRate = 0.5 });
            using var client = run.Client();
            var counts = new List<long>();
            for (var i = 0; i < 20; i++)
            {
                await client.ReadAllAsync();
                counts.Add((await client.DescribeAsync()).ItemCount);
            }

            return counts;
        }

        var first = await ItemCountsAsync();
        var second = await ItemCountsAsync();

        second.ShouldBe(first);
        first[^1].ShouldBeInRange(1, 19, "Some listings, not all, should have been followed by an edit.");
    }

    [Fact]
    public async Task Fault_settings_come_from_configuration_at_start()
    {
        await using var configured = await RunningEmulator.StartAsync(null, null, "--Emulator:Faults:ErrorRate=1", "--Emulator:Faults:ErrorStatusCodes:0=429");
        using var client = configured.Client(out var attempts, maxAttempts: 1);

        (await Should.ThrowAsync<KvsException>(() => client.DescribeAsync())).Kind.ShouldBe(KvsErrorKind.Throttled);
        attempts.Statuses.ShouldBe([429]);
    }

    static EdgeAllowlist.Aws.KeyValueStore.KeyValueStoreClient StoreClient(RunningEmulator emulator, string arn)
    {
        var options = emulator.ClientOptions();
        options.Arn = arn;
        return new(options, RunningEmulator.Credentials);
    }

    async Task<string> EtagAsync()
    {
        using var client = emulator.Client();
        return (await client.DescribeAsync()).ETag;
    }

    async Task<HttpResponseMessage> SendSignedAsync(HttpMethod method, string pathAndQuery, string? body = null, string? ifMatch = null, string? host = null, ImmutableCredentials? credentials = null)
    {
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(method, new Uri(emulator.BaseAddress.GetLeftPart(UriPartial.Authority) + pathAndQuery));
        if (body is not null) request.Content = new ByteArrayContent(bytes);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        if (host is not null) request.Headers.Host = host;
        SigV4aSigner.Sign(request, bytes, credentials ?? Credentials, "cloudfront-keyvaluestore", DateTime.UtcNow);
        return await emulator.Admin.SendAsync(request);
    }

    static async Task<string> ShouldBeAwsErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        response.StatusCode.ShouldBe(status);
        response.Headers.GetValues("x-amzn-errortype").Single().ShouldBe(code);
        response.Headers.Contains("x-amzn-requestid").ShouldBeTrue();
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString();
        message.ShouldNotBeNullOrEmpty();
        return message;
    }
}
