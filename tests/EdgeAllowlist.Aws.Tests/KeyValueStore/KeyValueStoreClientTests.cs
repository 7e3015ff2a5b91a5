using System.Net;
using EdgeAllowlist.Emulator;
using EdgeAllowlist.Store;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Testing.Emulator;

namespace EdgeAllowlist.Aws.Tests.KeyValueStore;

public sealed class KeyValueStoreClientTests : IAsyncLifetime
{
    RunningEmulator emulator = null!;

    public async Task InitializeAsync() => emulator = await RunningEmulator.StartAsync();

    public async Task DisposeAsync() => await emulator.DisposeAsync();

    [Fact]
    public async Task Every_operation_round_trips_through_the_emulator()
    {
        using var client = emulator.Client();

        var empty = await client.DescribeAsync();
        empty.KvsArn.ShouldBe(RunningEmulator.Arn);
        empty.ItemCount.ShouldBe(0);
        empty.Status.ShouldBe("READY");
        empty.ETag.ShouldNotBeNullOrEmpty();

        var put = await client.PutKeyAsync("k1", "v1", empty.ETag);
        put.ItemCount.ShouldBe(1);
        put.TotalSizeInBytes.ShouldBe(4);
        put.ETag.ShouldNotBe(empty.ETag);

        var batch = await client.UpdateKeysAsync(put.ETag, [new("k2", "v2"), new("k3", "v3")], ["k1"]);
        batch.ItemCount.ShouldBe(2);

        (await client.GetAsync("k2")).ShouldBe(new("k2", "v2"));
        (await client.GetAsync("k1")).ShouldBeNull();
        (await client.ListAsync()).Items.ShouldBe([new("k2", "v2"), new("k3", "v3")]);

        var deleted = await client.DeleteKeyAsync("k2", batch.ETag);
        deleted.ItemCount.ShouldBe(1);

        var after = await client.DescribeAsync();
        after.ETag.ShouldBe(deleted.ETag);
        after.ItemCount.ShouldBe(1);
        after.TotalSizeInBytes.ShouldBe(4);
        after.LastModified.ShouldNotBeNull();
        after.LastModified.Value.ShouldBeGreaterThanOrEqualTo(after.Created);
    }

    [Theory]
    [InlineData("a/b c+d~e")]
    [InlineData("o:https://*.example.com")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("100%?&=#")]
    [InlineData("ünïcødé/日本")]
    public async Task Keys_with_reserved_characters_travel_as_one_path_label(string key)
    {
        using var client = emulator.Client();
        var etag = (await client.DescribeAsync()).ETag;

        var put = await client.PutKeyAsync(key, "v", etag);
        (await client.GetAsync(key)).ShouldBe(new(key, "v"));
        (await client.ListAsync()).Items.Single().Key.ShouldBe(key);

        await client.DeleteKeyAsync(key, put.ETag);
        (await client.GetAsync(key)).ShouldBeNull();
    }

    [Fact]
    public async Task Listing_pages_through_more_than_fifty_keys_in_key_order()
    {
        using var client = emulator.Client();
        var expected = Enumerable.Range(0, 123).Select(i => new KeyValueItem($"key-{i:D3}", $"value {i}")).ToList();
        var etag = (await client.DescribeAsync()).ETag;
        foreach (var chunk in expected.Chunk(KvsLimits.MaxKeysPerUpdate))
        {
            etag = (await client.UpdateKeysAsync(etag, chunk, [])).ETag;
        }

        var seen = new List<KeyValueItem>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await client.ListAsync(token, KvsLimits.MaxListPageSize);
            page.Items.Count.ShouldBeLessThanOrEqualTo(KvsLimits.MaxListPageSize);
            seen.AddRange(page.Items);
            token = page.NextToken;
            pages++;
        }
        while (token is not null);

        pages.ShouldBe(3);
        seen.ShouldBe(expected);
        (await client.ListAsync()).Items.Count.ShouldBe(KvsLimits.DefaultListPageSize);
    }

    [Fact]
    public async Task A_stale_etag_is_a_conflict_and_is_not_retried()
    {
        using var client = emulator.Client(out var attempts);
        var etag = (await client.DescribeAsync()).ETag;
        await client.PutKeyAsync("k", "v1", etag);

        var error = await Should.ThrowAsync<KvsException>(() => client.PutKeyAsync("k", "v2", etag));

        error.Kind.ShouldBe(KvsErrorKind.Conflict);
        error.ErrorCode.ShouldBe("ConflictException");
        error.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        error.MayHaveBeenApplied.ShouldBeFalse();
        error.RequestId.ShouldNotBeNullOrEmpty();
        attempts.Statuses.ShouldBe([200, 200, 409]);
        (await client.GetAsync("k"))!.Value.ShouldBe("v1");
    }

    [Fact]
    public async Task Validation_errors_are_400_and_are_not_retried()
    {
        using var client = emulator.Client(out var attempts);
        var etag = (await client.DescribeAsync()).ETag;

        var tooLongKey = await Should.ThrowAsync<KvsException>(() => client.PutKeyAsync(new('k', KvsLimits.MaxKeyBytes + 1), "v", etag));
        var badPage = await Should.ThrowAsync<KvsException>(() => client.ListAsync(maxResults: KvsLimits.MaxListPageSize + 1));

        tooLongKey.Kind.ShouldBe(KvsErrorKind.Validation);
        tooLongKey.ErrorCode.ShouldBe("ValidationException");
        badPage.Kind.ShouldBe(KvsErrorKind.Validation);
        attempts.Statuses.ShouldBe([200, 400, 400]);
        (await client.PutKeyAsync(new('k', KvsLimits.MaxKeyBytes), "v", etag)).ItemCount.ShouldBe(1);
    }

    [Fact]
    public async Task Too_many_keys_in_one_batch_is_a_402_quota_error()
    {
        using var client = emulator.Client(out var attempts);
        var etag = (await client.DescribeAsync()).ETag;
        var batch = Enumerable.Range(0, KvsLimits.MaxKeysPerUpdate + 1).Select(i => new KeyValueItem($"k{i}", "v")).ToList();

        var error = await Should.ThrowAsync<KvsException>(() => client.UpdateKeysAsync(etag, batch, []));

        error.Kind.ShouldBe(KvsErrorKind.QuotaExceeded);
        error.ErrorCode.ShouldBe("ServiceQuotaExceededException");
        error.StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
        attempts.Statuses.ShouldBe([200, 402]);
        (await client.UpdateKeysAsync(etag, batch[..KvsLimits.MaxKeysPerUpdate], [])).ItemCount.ShouldBe(KvsLimits.MaxKeysPerUpdate);
    }

    [Fact]
    public async Task Filling_the_store_past_5_MB_is_a_402_quota_error_and_the_full_store_still_reads()
    {
        using var client = emulator.Client(out var attempts);
        var etag = (await client.DescribeAsync()).ETag;
        var value = new string('v', KvsLimits.MaxValueBytes);
        var keyIndex = 0;
        KvsException? error = null;
        while (error is null)
        {
            var batch = Enumerable.Range(0, KvsLimits.MaxKeysPerUpdate).Select(_ => new KeyValueItem($"{keyIndex++:D6}".PadRight(KvsLimits.MaxKeyBytes, 'k'), value)).ToList();
            try
            {
                etag = (await client.UpdateKeysAsync(etag, batch, [])).ETag;
            }
            catch (KvsException e)
            {
                error = e;
            }
        }

        error.Kind.ShouldBe(KvsErrorKind.QuotaExceeded);
        attempts.Statuses[^1].ShouldBe(402);
        var full = await client.DescribeAsync();
        full.ETag.ShouldBe(etag);
        full.TotalSizeInBytes.ShouldBeLessThanOrEqualTo(KvsLimits.MaxStoreBytes);
        full.TotalSizeInBytes.ShouldBeGreaterThan(KvsLimits.MaxStoreBytes - (KvsLimits.MaxKeysPerUpdate * (KvsLimits.MaxKeyBytes + KvsLimits.MaxValueBytes)));
    }

    [Fact]
    public async Task A_client_clock_more_than_15_minutes_off_is_refused_with_403()
    {
        var skewed = new FixedClock(DateTimeOffset.UtcNow.AddMinutes(20));
        using var client = new KeyValueStoreClient(emulator.ClientOptions(), RunningEmulator.Credentials, clock: skewed);

        var error = await Should.ThrowAsync<KvsException>(() => client.DescribeAsync());

        error.Kind.ShouldBe(KvsErrorKind.AccessDenied);
        error.Message.ShouldStartWith("Signature expired");
    }

    [Fact]
    public async Task A_wrong_secret_is_403_access_denied_and_is_not_retried()
    {
        using var client = emulator.Client(out var attempts, credentials: new Amazon.Runtime.BasicAWSCredentials(RunningEmulator.AccessKeyId, "not-the-secret"));

        var error = await Should.ThrowAsync<KvsException>(() => client.DescribeAsync());

        error.Kind.ShouldBe(KvsErrorKind.AccessDenied);
        error.ErrorCode.ShouldBe("InvalidSignatureException");
        attempts.Statuses.ShouldBe([403]);
    }

    [Fact]
    public async Task An_unknown_store_is_404_not_found_and_a_missing_key_reads_as_null()
    {
        var options = emulator.ClientOptions();
        options.Arn = "arn:aws:cloudfront::123456789012:key-value-store/ffffffff-ffff-ffff-ffff-ffffffffffff";
        using var unknown = new KeyValueStoreClient(options, RunningEmulator.Credentials);
        using var client = emulator.Client();

        var error = await Should.ThrowAsync<KvsException>(() => unknown.DescribeAsync());
        var getFromUnknown = await Should.ThrowAsync<KvsException>(() => unknown.GetAsync("k"));

        error.Kind.ShouldBe(KvsErrorKind.NotFound);
        error.ErrorCode.ShouldBe("ResourceNotFoundException");
        getFromUnknown.Kind.ShouldBe(KvsErrorKind.NotFound);
        (await client.GetAsync("nothing-here")).ShouldBeNull();
    }

    [Theory]
    [InlineData(429, KvsErrorKind.Throttled, "ThrottlingException")]
    [InlineData(500, KvsErrorKind.ServerError, "InternalServerException")]
    [InlineData(503, KvsErrorKind.ServerError, "ServiceUnavailableException")]
    public async Task Transient_errors_are_retried_up_to_the_attempt_limit_then_reported(int status, KvsErrorKind kind, string code)
    {
        using var client = emulator.Client(out var attempts, maxAttempts: 3);
        await emulator.SetFaultsAsync(new() { ErrorRate = 1, ErrorStatusCodes = [status] });

        var error = await Should.ThrowAsync<KvsException>(() => client.DescribeAsync());

        error.Kind.ShouldBe(kind);
        error.ErrorCode.ShouldBe(code);
        error.IsTransient.ShouldBeTrue();
        attempts.Statuses.ShouldBe([status, status, status]);
    }

    [Theory]
    [InlineData(400, KvsErrorKind.Validation)]
    [InlineData(402, KvsErrorKind.QuotaExceeded)]
    [InlineData(403, KvsErrorKind.AccessDenied)]
    [InlineData(404, KvsErrorKind.NotFound)]
    [InlineData(409, KvsErrorKind.Conflict)]
    public async Task Definite_errors_are_mapped_by_status_and_never_retried(int status, KvsErrorKind kind)
    {
        using var client = emulator.Client(out var attempts, maxAttempts: 3);
        await emulator.SetFaultsAsync(new() { ErrorRate = 1, ErrorStatusCodes = [status] });

        var error = await Should.ThrowAsync<KvsException>(() => client.ListAsync());

        error.Kind.ShouldBe(kind);
        attempts.Statuses.ShouldBe([status]);
    }

    [Fact]
    public async Task Transient_faults_are_retried_until_the_call_succeeds()
    {
        using var client = emulator.Client(out var attempts, maxAttempts: 10);
        var etag = (await client.DescribeAsync()).ETag;
        await emulator.SetFaultsAsync(new() { Seed = 7, ErrorRate = 0.4, ErrorStatusCodes = [429, 500, 503] });

        for (var i = 0; i < 20; i++)
        {
            etag = (await client.PutKeyAsync($"k{i}", "v", etag)).ETag;
        }

        (await client.DescribeAsync()).ItemCount.ShouldBe(20);
        attempts.Statuses.ShouldContain(s => s >= 429 && s != 200);
        attempts.Statuses.Count(s => s == 200).ShouldBe(1 + 20 + 1);
    }

    [Fact]
    public async Task A_write_applied_then_answered_500_and_retried_into_409_may_have_been_applied()
    {
        using var client = emulator.Client(out var attempts, maxAttempts: 3);
        var etag = (await client.DescribeAsync()).ETag;
        await emulator.SetFaultsAsync(new() { FailAfterApplyRate = 1 });

        var error = await Should.ThrowAsync<KvsException>(() => client.PutKeyAsync("k", "v", etag));

        error.Kind.ShouldBe(KvsErrorKind.Conflict);
        error.MayHaveBeenApplied.ShouldBeTrue();
        attempts.Statuses.ShouldBe([200, 500, 409]);
        await emulator.SetFaultsAsync(new());
        (await client.GetAsync("k"))!.Value.ShouldBe("v");
    }

    [Fact]
    public async Task A_write_whose_connection_drops_after_apply_is_reported_as_possibly_applied()
    {
        using var client = emulator.Client(out var attempts, maxAttempts: 3);
        var etag = (await client.DescribeAsync()).ETag;
        await emulator.SetFaultsAsync(new() { DropConnectionAfterApplyRate = 1 });

        var error = await Should.ThrowAsync<KvsException>(() => client.UpdateKeysAsync(etag, [new("k", "v")], []));

        error.Kind.ShouldBe(KvsErrorKind.Conflict);
        error.MayHaveBeenApplied.ShouldBeTrue();
        attempts.Statuses.ShouldBe([200, 0, 409]);
    }

    [Fact]
    public async Task A_forced_conflict_is_definite_and_leaves_the_store_unchanged()
    {
        using var client = emulator.Client(out var attempts);
        var before = await client.DescribeAsync();
        await emulator.SetFaultsAsync(new() { ConflictRate = 1 });

        var error = await Should.ThrowAsync<KvsException>(() => client.PutKeyAsync("k", "v", before.ETag));

        error.Kind.ShouldBe(KvsErrorKind.Conflict);
        error.MayHaveBeenApplied.ShouldBeFalse();
        await emulator.SetFaultsAsync(new());
        (await client.DescribeAsync()).ETag.ShouldBe(before.ETag);
    }

    [Fact]
    public async Task A_read_that_keeps_failing_after_a_500_is_not_marked_as_applied()
    {
        using var client = emulator.Client(maxAttempts: 2);
        await emulator.SetFaultsAsync(new() { ErrorRate = 1 });

        var error = await Should.ThrowAsync<KvsException>(() => client.GetAsync("k"));

        error.Kind.ShouldBe(KvsErrorKind.ServerError);
        error.MayHaveBeenApplied.ShouldBeFalse();
    }

    [Fact]
    public async Task No_listener_is_unavailable_after_the_retries()
    {
        var options = emulator.ClientOptions(maxAttempts: 2);
        options.EndpointOverride = $"http://127.0.0.1:{FreePort()}";
        var attempts = new AttemptLog();
        using var client = new KeyValueStoreClient(options, RunningEmulator.Credentials, new HttpClient(attempts));

        var error = await Should.ThrowAsync<KvsException>(() => client.DescribeAsync());

        error.Kind.ShouldBe(KvsErrorKind.Unavailable);
        attempts.Statuses.ShouldBe([0, 0]);
    }

    [Fact]
    public async Task A_slow_answer_past_the_attempt_timeout_is_unavailable()
    {
        var options = emulator.ClientOptions(maxAttempts: 1);
        options.AttemptTimeout = TimeSpan.FromMilliseconds(50);
        using var client = new KeyValueStoreClient(options, RunningEmulator.Credentials);
        await emulator.SetFaultsAsync(new() { LatencyMilliseconds = 2_000 });

        var error = await Should.ThrowAsync<KvsException>(() => client.DescribeAsync());

        error.Kind.ShouldBe(KvsErrorKind.Unavailable);
    }

    [Fact]
    public async Task The_sdk_style_override_puts_the_account_in_front_of_the_host_and_the_emulator_answers_it()
    {
        var options = emulator.ClientOptions();
        options.EndpointOverride = $"http://localhost:{emulator.BaseAddress.Port}";
        options.UseEndpointOverrideVerbatim = false;

        // Like the Node interop test: resolve <account>.localhost to loopback instead of editing /etc/hosts.
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                context.DnsEndPoint.Host.ShouldBe("123456789012.localhost");
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        };
        using var client = new KeyValueStoreClient(options, RunningEmulator.Credentials, new HttpClient(handler));

        client.Endpoint.ShouldBe(new Uri($"http://123456789012.localhost:{emulator.BaseAddress.Port}"));
        (await client.DescribeAsync()).KvsArn.ShouldBe(RunningEmulator.Arn);
    }

    [Fact]
    public async Task Without_explicit_credentials_the_sdk_default_chain_supplies_them_from_the_environment()
    {
        var saved = (Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID"), Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"));
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", RunningEmulator.AccessKeyId);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", RunningEmulator.SecretAccessKey);
        try
        {
            using var client = new KeyValueStoreClient(emulator.ClientOptions());

            (await client.DescribeAsync()).KvsArn.ShouldBe(RunningEmulator.Arn);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", saved.Item1);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", saved.Item2);
        }
    }

    static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
