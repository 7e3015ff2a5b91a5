using System.Net;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

public sealed class LocalKeyValueStoreTests : IDisposable
{
    readonly TemporaryFolder folder = new();
    readonly LocalKeyValueStore store;

    public LocalKeyValueStoreTests() => store = LocalKeyValueStore.Open(folder.Path);

    public void Dispose()
    {
        store.Dispose();
        folder.Dispose();
    }

    [Fact]
    public async Task A_new_store_is_empty_ready_and_has_an_etag_and_a_generated_arn()
    {
        var description = await store.DescribeAsync();

        description.ItemCount.ShouldBe(0);
        description.TotalSizeInBytes.ShouldBe(0);
        description.Status.ShouldBe("READY");
        description.ETag.ShouldStartWith("KV");
        description.KvsArn.ShouldMatch("^arn:aws:cloudfront::000000000000:key-value-store/[0-9a-f-]{36}$");
        description.KvsArn.ShouldBe(store.Arn);
        description.Created.ShouldBe(store.Created);
        description.LastModified.ShouldBe(store.Created);
        description.FailureReason.ShouldBeNull();
    }

    [Fact]
    public async Task Every_write_returns_a_new_etag_that_describe_then_reports()
    {
        var etags = new HashSet<string> { (await store.DescribeAsync()).ETag };

        for (var i = 0; i < 5; i++)
        {
            var result = await store.PutAsync("k", "same value");
            etags.Add(result.ETag).ShouldBeTrue($"write {i} reused an ETag");
            (await store.DescribeAsync()).ETag.ShouldBe(result.ETag);
        }
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_a_conflict_and_changes_nothing()
    {
        var stale = (await store.DescribeAsync()).ETag;
        var current = await store.PutAsync("a", "1");

        var error = await store.UpdateKeysAsync(stale, [new("a", "2"), new("b", "2")], []).ShouldFailWith(KvsErrorKind.Conflict);

        error.ErrorCode.ShouldBe("ConflictException");
        error.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await store.GetAsync("a"))!.Value.ShouldBe("1");
        (await store.GetAsync("b")).ShouldBeNull();
        (await store.DescribeAsync()).ETag.ShouldBe(current.ETag);
    }

    [Fact]
    public async Task A_made_up_etag_is_a_conflict()
    {
        await store.UpdateKeysAsync("KV000000000000000000000000", [new("a", "1")], []).ShouldFailWith(KvsErrorKind.Conflict);
    }

    [Fact]
    public async Task A_missing_if_match_is_a_validation_error()
    {
        var error = await store.UpdateKeysAsync("", [new("a", "1")], []).ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("If-Match");
    }

    [Fact]
    public async Task Puts_and_deletes_apply_together_and_the_result_reports_count_and_size()
    {
        await store.WriteAsync([new("a", "1"), new("b", "22"), new("c", "333")]);

        var result = await store.WriteAsync([new("b", "x"), new("d", "4444")], ["a"]);

        (await store.ReadAllAsync()).ShouldBe([new("b", "x"), new("c", "333"), new("d", "4444")]);
        result.ItemCount.ShouldBe(3);
        result.TotalSizeInBytes.ShouldBe(2 + 4 + 5);
        var description = await store.DescribeAsync();
        description.ItemCount.ShouldBe(3);
        description.TotalSizeInBytes.ShouldBe(11);
        description.ETag.ShouldBe(result.ETag);
    }

    [Fact]
    public async Task A_batch_with_one_bad_item_writes_nothing()
    {
        var before = await store.PutAsync("keep", "old");

        await store.WriteAsync([new("keep", "new"), new("added", "1"), new("bad", new string('v', 1025))], ["keep"])
            .ShouldFailWith(KvsErrorKind.Validation);
        await store.UpdateKeysAsync(before.ETag, [new("keep", "new"), new("added", "1"), new("bad", new string('v', 1025))], [])
            .ShouldFailWith(KvsErrorKind.Validation);

        (await store.ReadAllAsync()).ShouldBe([new("keep", "old")]);
        (await store.DescribeAsync()).ETag.ShouldBe(before.ETag);
    }

    [Fact]
    public async Task Deleting_a_missing_key_is_a_no_op_that_still_counts_as_a_write()
    {
        var before = await store.PutAsync("a", "1");

        var result = await store.WriteAsync([], ["never-existed"]);

        result.ETag.ShouldNotBe(before.ETag);
        result.ItemCount.ShouldBe(1);
        result.TotalSizeInBytes.ShouldBe(2);
    }

    [Fact]
    public async Task An_empty_value_is_stored_and_counts_only_its_key()
    {
        var result = await store.PutAsync("empty", "");

        (await store.GetAsync("empty")).ShouldBe(new KeyValueItem("empty", ""));
        result.TotalSizeInBytes.ShouldBe(5);
    }

    [Fact]
    public async Task Get_returns_null_for_a_missing_key()
    {
        await store.PutAsync("a", "1");

        (await store.GetAsync("b")).ShouldBeNull();
        (await store.GetAsync("A")).ShouldBeNull();
    }

    [Fact]
    public async Task Last_modified_moves_with_writes_and_created_does_not()
    {
        var created = store.Created;

        var result = await store.PutAsync("a", "1");
        var description = await store.DescribeAsync();

        description.Created.ShouldBe(created);
        description.LastModified.ShouldNotBeNull();
        description.LastModified.Value.ShouldBeGreaterThanOrEqualTo(created);
        description.ETag.ShouldBe(result.ETag);
    }

    [Fact]
    public async Task A_disposed_store_refuses_calls()
    {
        store.Dispose();

        await Should.ThrowAsync<ObjectDisposedException>(store.DescribeAsync());
        await Should.ThrowAsync<ObjectDisposedException>(store.UpdateKeysAsync("KV1", [new("a", "1")], []));
    }
}
