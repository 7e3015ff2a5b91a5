using System.Net;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

public sealed class QuotaTests : IDisposable
{
    readonly TemporaryFolder folder = new();
    readonly LocalKeyValueStore store;

    public QuotaTests() => store = LocalKeyValueStore.Open(folder.Path);

    public void Dispose()
    {
        store.Dispose();
        folder.Dispose();
    }

    [Fact]
    public async Task A_512_byte_key_is_accepted_and_a_513_byte_key_is_refused_by_name_and_size()
    {
        await store.PutAsync(new string('k', 512), "v");

        var error = await store.PutAsync(new string('k', 513), "v").ShouldFailWith(KvsErrorKind.Validation);

        error.ErrorCode.ShouldBe("ValidationException");
        error.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        error.Message.ShouldContain("513 UTF-8 bytes");
        error.Message.ShouldContain("limit is 512");
        error.Message.ShouldContain("Puts[0]");
    }

    [Fact]
    public async Task A_long_key_is_shown_cut_short_in_the_error_message()
    {
        var key = "p" + string.Concat(Enumerable.Repeat("😀", 200));

        var error = await store.PutAsync(key, "v").ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain($"'{key[..79]}…' (401 characters)");
        error.Message.ShouldContain("801 UTF-8 bytes");
    }

    [Fact]
    public async Task Key_size_counts_utf8_bytes_not_characters()
    {
        await store.PutAsync(new string('é', 256), "2-byte characters: 512 bytes");
        await store.PutAsync(string.Concat(Enumerable.Repeat("😀", 128)), "4-byte characters: 512 bytes");

        var error = await store.PutAsync(new string('€', 171), "3-byte characters: 513 bytes").ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("513 UTF-8 bytes");
    }

    [Fact]
    public async Task A_1024_byte_value_is_accepted_and_a_1025_byte_value_is_refused_naming_its_key()
    {
        await store.PutAsync("fits", new string('v', 1024));

        var error = await store.PutAsync("too-big", new string('v', 1025)).ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("'too-big'");
        error.Message.ShouldContain("1025 UTF-8 bytes");
        error.Message.ShouldContain("limit is 1024");
        error.Message.ShouldNotContain(new string('v', 20));
    }

    [Fact]
    public async Task Value_size_counts_utf8_bytes_not_characters()
    {
        var result = await store.PutAsync("k", new string('€', 341) + "a");
        result.TotalSizeInBytes.ShouldBe(1 + 1024);

        var error = await store.PutAsync("k", new string('€', 342)).ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("1026 UTF-8 bytes");
    }

    [Fact]
    public async Task Text_with_an_unpaired_surrogate_is_refused_because_it_has_no_utf8_form()
    {
        await store.PutAsync("bad\ud800", "v").ShouldFailWith(KvsErrorKind.Validation);
        var error = await store.PutAsync("k", "bad\udc00").ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("unpaired surrogate");
    }

    [Fact]
    public async Task An_empty_key_is_refused()
    {
        var error = await store.WriteAsync([], [""]).ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("Deletes[0]");
    }

    [Fact]
    public async Task Fifty_keys_in_one_update_are_accepted_and_fifty_one_are_a_quota_error()
    {
        var fifty = Enumerable.Range(0, 50).Select(i => new KeyValueItem($"k{i}", "v")).ToArray();
        await store.WriteAsync(fifty);

        var error = await store.WriteAsync(
                Enumerable.Range(0, 30).Select(i => new KeyValueItem($"n{i}", "v")).ToArray(),
                Enumerable.Range(0, 21).Select(i => $"k{i}").ToArray())
            .ShouldFailWith(KvsErrorKind.QuotaExceeded);

        error.ErrorCode.ShouldBe("ServiceQuotaExceededException");
        error.StatusCode.ShouldBe(HttpStatusCode.PaymentRequired);
        error.Message.ShouldContain("51 keys (30 puts + 21 deletes)");
        error.Message.ShouldContain("limit is 50");
        (await store.DescribeAsync()).ItemCount.ShouldBe(50);
    }

    [Fact]
    public async Task Puts_and_deletes_together_up_to_fifty_are_accepted()
    {
        await store.WriteAsync(
            Enumerable.Range(0, 25).Select(i => new KeyValueItem($"k{i}", "v")).ToArray(),
            Enumerable.Range(0, 25).Select(i => $"gone{i}").ToArray());

        (await store.DescribeAsync()).ItemCount.ShouldBe(25);
    }

    [Fact]
    public async Task The_same_key_twice_in_one_update_is_refused()
    {
        var twicePut = await store.WriteAsync([new("a", "1"), new("b", "1"), new("a", "2")]).ShouldFailWith(KvsErrorKind.Validation);
        var putAndDelete = await store.WriteAsync([new("a", "1")], ["a"]).ShouldFailWith(KvsErrorKind.Validation);
        await store.WriteAsync([], ["a", "a"]).ShouldFailWith(KvsErrorKind.Validation);

        twicePut.Message.ShouldContain("'a' appears twice");
        twicePut.Message.ShouldContain("Puts[0] and Puts[2]");
        putAndDelete.Message.ShouldContain("Puts[0] and Deletes[0]");
        (await store.DescribeAsync()).ItemCount.ShouldBe(0);
    }

    [Fact]
    public async Task Keys_differing_only_in_case_are_different_keys()
    {
        var result = await store.WriteAsync([new("a", "1"), new("A", "2")]);

        result.ItemCount.ShouldBe(2);
    }

    [Fact]
    public async Task An_empty_update_is_refused()
    {
        var error = await store.WriteAsync([]).ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("at least one put or delete");
    }

    [Fact]
    public async Task A_store_filled_to_exactly_5_MiB_accepts_no_further_byte_but_allows_same_size_replacements_and_deletes()
    {
        // 5,041 entries of 16 + 1,024 bytes plus one of 16 + 224 bytes is 5,242,880 bytes exactly.
        var entries = Enumerable.Range(0, 5041).Select(i => new KeyValueItem($"fill-{i:D11}", new string('v', 1024)))
            .Append(new KeyValueItem("fill-last-entry-", new string('v', 224)))
            .ToArray();
        foreach (var batch in entries.Chunk(KvsLimits.MaxKeysPerUpdate))
            await store.WriteAsync(batch);
        var full = await store.DescribeAsync();
        full.TotalSizeInBytes.ShouldBe(KvsLimits.MaxStoreBytes);
        full.ItemCount.ShouldBe(5042);

        var oneMoreKey = await store.PutAsync("x", "").ShouldFailWith(KvsErrorKind.QuotaExceeded);
        await store.PutAsync("fill-last-entry-", new string('v', 225)).ShouldFailWith(KvsErrorKind.QuotaExceeded);

        oneMoreKey.Message.ShouldContain("5242881 bytes");
        oneMoreKey.Message.ShouldContain($"limit is {KvsLimits.MaxStoreBytes}");
        (await store.DescribeAsync()).ETag.ShouldBe(full.ETag);
        await store.PutAsync("fill-last-entry-", new string('w', 224));
        var swapped = await store.WriteAsync([new("fill-last-entry-", new string('v', 223)), new("x", "")]);
        swapped.TotalSizeInBytes.ShouldBe(KvsLimits.MaxStoreBytes);
        (await store.WriteAsync([], ["x"])).TotalSizeInBytes.ShouldBe(KvsLimits.MaxStoreBytes - 1);
    }
}
