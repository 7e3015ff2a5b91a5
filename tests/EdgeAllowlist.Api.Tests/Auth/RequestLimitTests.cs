using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Auth;

/// <summary>Defaults (20 failures per address per minute) except a small per-token limit with a long window, to reach it in a few calls.</summary>
public sealed class TokenLimitApiHost() : ApiHost(null, new Dictionary<string, string?> { ["Auth:MaxRequestsPerToken"] = "5", ["Auth:TokenWindow"] = "01:00:00" });

/// <summary>Three failures per address and only two addresses tracked, so a few loopback addresses overflow it.</summary>
public sealed class FewAddressesApiHost() : ApiHost(null, new Dictionary<string, string?> { ["Auth:MaxFailures"] = "3", ["Auth:MaxTrackedAddresses"] = "2" });

static class Flood
{
    public static string RandomToken() => ApiTokenStore.NewToken();

    /// <summary>A client whose connections come from <paramref name="source"/> (any 127.0.0.0/8 address reaches the loopback listener).</summary>
    public static HttpClient From(ApiHost host, IPAddress source, string? token)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = host.BaseAddress };
        if (token is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Moves past the failure windows and waits for the limiter's flush to audit them.</summary>
    public static async Task<JsonArray> FlushedDenialsAsync(ApiHost host, int expected)
    {
        host.Clock.Advance(TimeSpan.FromMinutes(2));
        using var admin = host.Admin();
        var entries = new JsonArray();
        for (var wait = 0; wait < 200 && entries.Count < expected; wait++)
        {
            await Task.Delay(50);
            entries = (await admin.GetJsonAsync("/v1/audit?action=auth.denied&outcome=unauthenticated&limit=1000"))["items"]!.AsArray();
        }
        return entries;
    }
}

public sealed class RequestLimitTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_flood_of_300_random_tokens_on_metrics_and_v1_gets_429s_one_audit_entry_and_never_locks_out_a_valid_token()
    {
        using var admin = host.Admin();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 300; i++)
        {
            using var guesser = host.Client(Flood.RandomToken());
            var response = await guesser.GetAsync(i % 2 == 0 ? "/metrics" : "/v1/status");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
                response.Headers.RetryAfter.ShouldNotBeNull();
            if (i % 25 == 0)
            {
                // Same address, in the middle of the flood: the valid token is never refused for what others did.
                (await admin.GetAsync("/v1/status")).StatusCode.ShouldBe(HttpStatusCode.OK);
                (await admin.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }
        }
        statuses.Count(s => s == HttpStatusCode.Unauthorized).ShouldBe(20);
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(280);
        statuses.Skip(20).ShouldAllBe(s => s == HttpStatusCode.TooManyRequests, "/metrics is limited like /v1");
        (await admin.GetAsync("/v1/status")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await host.Client().GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // Nothing audited per request; the window's one entry comes when it ends.
        (await admin.GetJsonAsync("/v1/audit?action=auth.denied&outcome=unauthenticated"))["items"]!.AsArray().ShouldBeEmpty();

        var entry = (await Flood.FlushedDenialsAsync(host, 1)).ShouldHaveSingleItem()!;
        entry["target"]!.GetValue<string>().ShouldBe("127.0.0.1");
        entry["client"]!.GetValue<string>().ShouldBe("127.0.0.1");
        var detail = entry["detail"]!.GetValue<string>();
        detail.ShouldContain("300 requests without a valid token");
        detail.ShouldContain("20 answered 401");
        detail.ShouldContain("280 more refused with 429");
        detail.ShouldContain(BearerTokenHandler.UnknownToken);

        // The window ended: the address may try again.
        (await host.Client(Flood.RandomToken()).GetAsync("/v1/status")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}

public sealed class AddressOverflowTests(FewAddressesApiHost host) : IClassFixture<FewAddressesApiHost>
{
    [Fact]
    public async Task Failures_from_more_addresses_than_tracked_share_one_window_so_the_trail_grows_by_at_most_tracked_plus_one()
    {
        var statuses = new List<HttpStatusCode>();
        for (var a = 2; a <= 7; a++)
        {
            var address = IPAddress.Parse($"127.0.0.{a}");
            for (var i = 0; i < 5; i++)
            {
                using var guesser = Flood.From(host, address, Flood.RandomToken());
                statuses.Add((await guesser.GetAsync("/v1/origins")).StatusCode);
            }
            // A valid token from an address that is locked out, or that shares the overflow window, still works.
            using var valid = Flood.From(host, address, host.AdminToken);
            (await valid.GetAsync("/v1/origins")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        // Two tracked addresses get 3 × 401 then 2 × 429; the other four share one window of 3 failures.
        statuses.Count(s => s == HttpStatusCode.Unauthorized).ShouldBe(3 + 3 + 3);
        statuses.Count(s => s == HttpStatusCode.TooManyRequests).ShouldBe(30 - 9);

        var entries = await Flood.FlushedDenialsAsync(host, 3);
        entries.Count.ShouldBe(3, "at most MaxTrackedAddresses + 1 entries per window");
        entries.Select(e => e!["target"]!.GetValue<string>()).Order().ShouldBe(["127.0.0.2", "127.0.0.3", RequestLimiter.OtherAddresses]);
        entries.Single(e => e!["target"]!.GetValue<string>() == RequestLimiter.OtherAddresses)!["detail"]!.GetValue<string>()
            .ShouldContain("20 requests without a valid token");
    }
}

public sealed class TokenLimitTests(TokenLimitApiHost host) : IClassFixture<TokenLimitApiHost>
{
    [Fact]
    public async Task A_token_over_its_request_limit_gets_429_and_other_tokens_are_not_affected()
    {
        using var admin = host.Admin();
        var reader = await (await admin.PostJsonAsync("/v1/tokens", new { name = "busy-reader", scopes = new[] { "rules:read" } })).JsonAsync();
        using var busy = host.Client(reader["token"]!.GetValue<string>());
        for (var i = 0; i < 5; i++)
            (await busy.GetAsync(i % 2 == 0 ? "/v1/origins" : "/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var limited = await busy.GetAsync("/v1/origins");
        var problem = await limited.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        problem["detail"]!.GetValue<string>().ShouldContain("This token sent more requests");
        limited.Headers.RetryAfter.ShouldNotBeNull();
        (await busy.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        // The admin token used one request so far (the token creation) and has its own window.
        (await admin.GetAsync("/v1/origins")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await host.Client().GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class ShutdownFlushTests
{
    [Fact]
    public async Task Failures_in_a_window_still_open_are_audited_when_the_service_stops()
    {
        var data = Directory.CreateTempSubdirectory("ea-api-").FullName;
        var token = ApiTokenStore.NewToken();
        var first = new RestartableApiHost(data, token);
        await first.InitializeAsync();
        for (var i = 0; i < 7; i++)
            (await first.Client(i % 2 == 0 ? null : Flood.RandomToken()).GetAsync("/v1/status")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await first.DisposeAsync();

        var second = new RestartableApiHost(data, token);
        await second.InitializeAsync();
        try
        {
            var entries = (await second.Admin().GetJsonAsync("/v1/audit?action=auth.denied&outcome=unauthenticated"))["items"]!.AsArray();
            var detail = entries.ShouldHaveSingleItem()!["detail"]!.GetValue<string>();
            detail.ShouldContain("7 requests without a valid token");
            detail.ShouldContain($"4 × {BearerTokenHandler.MissingToken}");
            detail.ShouldContain($"3 × {BearerTokenHandler.UnknownToken}");
        }
        finally
        {
            await second.DisposeAsync();
            Directory.Delete(data, recursive: true);
        }
    }
}
