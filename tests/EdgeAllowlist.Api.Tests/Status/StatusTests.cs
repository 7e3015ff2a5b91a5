using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Status;

public sealed class StatusTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Status_reports_keys_bytes_etag_and_drift_and_records_an_edit_made_outside_the_service()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://status.example.com" })).EnsureSuccessStatusCode();
        var status = await admin.GetJsonAsync("/v1/status");
        status["drift"]!.GetValue<string>().ShouldBe("in-sync");
        var store = host.Service<IKeyValueStore>();
        var description = await store.DescribeAsync();
        status["keys"]!.GetValue<long>().ShouldBe(description.ItemCount);
        status["bytes"]!.GetValue<long>().ShouldBe(description.TotalSizeInBytes);
        status["eTag"]!.GetValue<string>().ShouldBe(description.ETag);
        status["quotaBytes"]!.GetValue<long>().ShouldBe(5L * 1024 * 1024);
        status["lastChange"].ShouldNotBeNull();
        status["policyPresent"]!.GetValue<bool>().ShouldBeTrue();
        status["origins"]!.GetValue<int>().ShouldBeGreaterThanOrEqualTo(1);

        // Someone edits the store in the console.
        await store.UpdateKeysAsync(description.ETag, [new("o:https://console.example.com", "{}")], ["o:https://status.example.com"]);
        var drifted = await admin.GetJsonAsync("/v1/status");
        drifted["drift"]!.GetValue<string>().ShouldBe("external-change-recorded");
        var external = await admin.GetJsonAsync("/v1/audit?action=kvs.external-change");
        var targets = external["items"]!.AsArray().Select(i => i!["target"]!.GetValue<string>()).Order().ToList();
        targets.ShouldBe(["https://console.example.com", "https://status.example.com"]);
        (await admin.GetJsonAsync("/v1/status"))["drift"]!.GetValue<string>().ShouldBe("in-sync");
        (await admin.GetJsonAsync("/v1/origins/https://console.example.com"))["origin"]!.GetValue<string>().ShouldBe("https://console.example.com");
    }
}

/// <summary>Its own host: the other status test counts every external change in the trail.</summary>
public sealed class UnmanagedKeysTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Status_counts_and_names_keys_this_service_does_not_manage()
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        var before = await admin.GetJsonAsync("/v1/status");
        before["unmanagedKeys"]!.GetValue<int>().ShouldBe(0);

        // Another tool (Terraform's keys_exclusive, say) writes its own key into the same store.
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("terraform-owned", "1")], []);

        var after = await admin.GetJsonAsync("/v1/status");
        after["unmanagedKeys"]!.GetValue<int>().ShouldBe(1);
        after["unmanagedKeySample"]!.AsArray().Select(k => k!.GetValue<string>()).ShouldBe(["terraform-owned"]);
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [], ["terraform-owned"]);
    }
}
