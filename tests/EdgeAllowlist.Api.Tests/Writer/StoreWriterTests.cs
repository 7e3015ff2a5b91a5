using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;

namespace EdgeAllowlist.Api.Tests.Writer;

public sealed class StoreWriterTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_write_after_someone_else_moved_the_etag_re_reads_records_their_change_and_still_lands()
    {
        using var admin = host.Admin();
        (await admin.PostJsonAsync("/v1/origins", new { origin = "https://first.conflict.example" })).EnsureSuccessStatusCode();
        var store = host.Service<IKeyValueStore>();
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new("o:https://outside.conflict.example", "{}")], []);

        var response = await admin.PostJsonAsync("/v1/origins", new { origin = "https://second.conflict.example" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await store.GetAsync("o:https://second.conflict.example")).ShouldNotBeNull();
        (await store.GetAsync("o:https://outside.conflict.example")).ShouldNotBeNull();
        // The write read only its own key; the key it did not touch is audited by the full re-read that follows (here: the status check's).
        await admin.GetJsonAsync("/v1/status");
        var external = await admin.GetJsonAsync("/v1/audit?action=kvs.external-change&target=o%3Ahttps%3A%2F%2Foutside.conflict.example");
        external["items"]!.AsArray().ShouldHaveSingleItem()!["after"]!.GetValue<string>().ShouldBe("{}");
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task A_change_that_would_exceed_the_5_MB_store_quota_is_refused_before_anything_is_written()
    {
        using var admin = host.Admin();
        var store = host.Service<IKeyValueStore>();
        // Fill the store to just under 5 MB from outside, 50 keys of ~1 KB per call.
        var filler = new string('x', 1000);
        var used = (await store.DescribeAsync()).TotalSizeInBytes;
        var index = 0;
        while (KvsLimits.MaxStoreBytes - used > 2000)
        {
            var count = (int)Math.Min(50, (KvsLimits.MaxStoreBytes - used - 1000) / 1010);
            var puts = Enumerable.Range(0, count).Select(_ => new KeyValueItem($"fill:{index++:D5}", filler)).ToList();
            used = (await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, puts, [])).TotalSizeInBytes;
        }
        var etag = (await store.DescribeAsync()).ETag;
        var origins = Enumerable.Range(0, 200).Select(i => new { origin = $"https://quota{i:D3}.example.com" });
        var problem = await (await admin.PostJsonAsync("/v1/origins/bulk", new { origins })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.ToJsonString().ShouldContain("5242880");
        (await store.GetAsync("o:https://quota000.example.com")).ShouldBeNull();
        // Only the external fill moved the ETag (recorded on the re-read), nothing of the refused change.
        (await store.DescribeAsync()).ETag.ShouldBe(etag);
        (await admin.GetJsonAsync("/v1/audit?action=origin.add&target=https%3A%2F%2Fquota000.example.com"))["items"]!.AsArray().ShouldBeEmpty();
    }
}
