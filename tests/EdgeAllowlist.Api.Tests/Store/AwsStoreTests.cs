using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using EdgeAllowlist.Aws.KeyValueStore;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Api.Tests.Store;

/// <summary>With Kvs:Arn set the service writes through the AWS client: here to the emulator over SigV4a-signed HTTP.</summary>
public sealed class AwsStoreTests(EmulatorApiHost host) : IClassFixture<EmulatorApiHost>
{
    [Fact]
    public async Task With_a_kvs_arn_the_service_uses_the_aws_client_and_its_writes_reach_that_store()
    {
        host.Api.Service<IKeyValueStore>().ShouldBeOfType<KeyValueStoreClient>();
        using var admin = host.Api.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://aws.example.com" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var direct = host.DirectClient();
        (await direct.GetAsync("o:https://aws.example.com")).ShouldNotBeNull().Value.ShouldBe("{}");
        (await direct.GetAsync("cfg")).ShouldNotBeNull();
    }

    [Fact]
    public async Task An_edit_made_directly_in_the_store_is_detected_and_the_next_write_still_lands()
    {
        using var admin = host.Api.Admin();
        using var direct = host.DirectClient();
        await direct.UpdateKeysAsync((await direct.DescribeAsync()).ETag, [new("o:https://console.aws.example.com", "{}")], []);
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://after.aws.example.com" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await direct.GetAsync("o:https://after.aws.example.com")).ShouldNotBeNull();
        // A keyed write reads only its own keys; the edit elsewhere is audited by the re-read that follows
        // (a status call runs one, unless the background poll already has).
        await admin.GetJsonAsync("/v1/status");
        var external = await admin.GetJsonAsync("/v1/audit?action=kvs.external-change&target=o%3Ahttps%3A%2F%2Fconsole.aws.example.com");
        external["items"]!.AsArray().ShouldHaveSingleItem();
        (await admin.GetJsonAsync("/v1/status"))["drift"]!.GetValue<string>().ShouldBe("in-sync");
    }

    [Fact]
    public async Task A_write_that_landed_without_a_definite_answer_is_acknowledged_and_audited_once_as_ours()
    {
        using var admin = host.Api.Admin();
        await host.SetFaultsAsync(new { failAfterApplyRate = 1.0 });
        try
        {
            var response = await admin.PostJsonAsync("/v1/origins", new { origin = "https://ambiguous.aws.example.com" });
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
        finally
        {
            await host.SetFaultsAsync(new { });
        }
        using var direct = host.DirectClient();
        (await direct.GetAsync("o:https://ambiguous.aws.example.com")).ShouldNotBeNull();
        (await admin.GetJsonAsync("/v1/audit?action=origin.add&target=https%3A%2F%2Fambiguous.aws.example.com"))["items"]!.AsArray().ShouldHaveSingleItem();
        (await admin.GetJsonAsync("/v1/audit?action=kvs.external-change&target=o%3Ahttps%3A%2F%2Fambiguous.aws.example.com"))["items"]!.AsArray().ShouldBeEmpty();
        host.Api.Logs.All.ShouldContain("no definite answer but is in the store");
    }

    [Fact]
    public async Task When_the_store_keeps_failing_the_answer_is_503_and_nothing_is_written_or_audited_as_done()
    {
        using var admin = host.Api.Admin();
        await host.SetFaultsAsync(new { errorRate = 1.0, errorStatusCodes = new[] { 503 } });
        HttpResponseMessage response;
        try
        {
            response = await admin.PostJsonAsync("/v1/origins", new { origin = "https://down.aws.example.com" });
        }
        finally
        {
            await host.SetFaultsAsync(new { });
        }
        (await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable)).ErrorFields().ShouldContain("store");
        using var direct = host.DirectClient();
        (await direct.GetAsync("o:https://down.aws.example.com")).ShouldBeNull();
        (await admin.GetJsonAsync("/v1/audit?action=origin.add&target=https%3A%2F%2Fdown.aws.example.com"))["items"]!.AsArray().ShouldBeEmpty();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://down.aws.example.com" })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }
}
