using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

public sealed class ListKeysTests : IDisposable
{
    readonly TemporaryFolder folder = new();
    readonly LocalKeyValueStore store;

    public ListKeysTests() => store = LocalKeyValueStore.Open(folder.Path);

    public void Dispose()
    {
        store.Dispose();
        folder.Dispose();
    }

    [Fact]
    public async Task Pages_through_more_than_fifty_keys_in_ordinal_order_without_gaps_or_repeats()
    {
        var keys = Enumerable.Range(0, 120).Select(i => $"key-{i:D3}").ToArray();
        foreach (var batch in keys.Chunk(50))
            await store.WriteAsync(batch.Select(k => new KeyValueItem(k, $"value of {k}")).ToArray());

        var first = await store.ListAsync(maxResults: 50);
        var second = await store.ListAsync(first.NextToken, 50);
        var third = await store.ListAsync(second.NextToken, 50);

        first.Items.Count.ShouldBe(50);
        second.Items.Count.ShouldBe(50);
        third.Items.Count.ShouldBe(20);
        first.NextToken.ShouldNotBeNull();
        second.NextToken.ShouldNotBeNull();
        third.NextToken.ShouldBeNull();
        first.Items.Concat(second.Items).Concat(third.Items).Select(i => i.Key).ShouldBe(keys);
        third.Items[^1].ShouldBe(new KeyValueItem("key-119", "value of key-119"));
    }

    [Fact]
    public async Task The_default_page_is_ten_keys()
    {
        await store.WriteAsync(Enumerable.Range(0, 11).Select(i => new KeyValueItem($"k{i:D2}", "v")).ToArray());

        var page = await store.ListAsync();

        page.Items.Count.ShouldBe(10);
        (await store.ListAsync(page.NextToken)).Items.ShouldBe([new("k10", "v")]);
    }

    [Fact]
    public async Task A_page_that_ends_exactly_at_the_last_key_has_no_next_token()
    {
        await store.WriteAsync([new("a", "1"), new("b", "2")]);

        (await store.ListAsync(maxResults: 2)).NextToken.ShouldBeNull();
        (await store.ListAsync(maxResults: 1)).NextToken.ShouldNotBeNull();
    }

    [Fact]
    public async Task An_empty_store_lists_no_items_and_no_token()
    {
        var page = await store.ListAsync();

        page.Items.ShouldBeEmpty();
        page.NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task Order_is_ordinal_by_utf16_code_unit_not_culture()
    {
        string[] keys = ["b", "B", "a", "A", "é", "e", "_", "1", "😀", "\uffff"];
        await store.WriteAsync(keys.Select(k => new KeyValueItem(k, "v")).ToArray());

        var listed = (await store.ListAsync(maxResults: 50)).Items.Select(i => i.Key).ToArray();

        listed.ShouldBe(keys.Order(StringComparer.Ordinal).ToArray());
        listed.ShouldBe(["1", "A", "B", "_", "a", "b", "e", "é", "😀", "\uffff"]);
    }

    [Fact]
    public async Task A_token_stays_valid_when_its_last_key_is_deleted_or_keys_are_added_before_it()
    {
        await store.WriteAsync([new("a", "v"), new("b", "v"), new("c", "v"), new("d", "v"), new("e", "v")]);
        var first = await store.ListAsync(maxResults: 2);

        await store.WriteAsync([new("0", "v"), new("bb", "v")], ["b", "c"]);

        (await store.ListAsync(first.NextToken, 50)).Items.Select(i => i.Key).ShouldBe(["bb", "d", "e"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(51)]
    public async Task Max_results_outside_1_to_50_is_refused(int maxResults)
    {
        var error = await store.ListAsync(maxResults: maxResults).ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain($"MaxResults is {maxResults}");
    }

    [Fact]
    public async Task One_and_fifty_are_valid_page_sizes()
    {
        await store.ListAsync(maxResults: 1);
        await store.ListAsync(maxResults: 50);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a token!")]
    [InlineData("AQ")]
    [InlineData("a2V5LTAwMQ")]
    public async Task A_made_up_token_is_refused(string token)
    {
        var error = await store.ListAsync(token).ShouldFailWith(KvsErrorKind.Validation);

        error.Message.ShouldContain("NextToken");
    }

    [Fact]
    public async Task A_garbled_token_is_refused_wherever_it_is_changed()
    {
        await store.WriteAsync(Enumerable.Range(0, 3).Select(i => new KeyValueItem($"key-{i}", "v")).ToArray());
        var token = (await store.ListAsync(maxResults: 1)).NextToken!;

        for (var i = 0; i < token.Length; i++)
        {
            var garbled = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
            await store.ListAsync(garbled).ShouldFailWith(KvsErrorKind.Validation);
        }
        await store.ListAsync(token[..^1]).ShouldFailWith(KvsErrorKind.Validation);
    }
}
