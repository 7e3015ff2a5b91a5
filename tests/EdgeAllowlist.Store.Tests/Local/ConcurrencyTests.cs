using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

public sealed class ConcurrencyTests : IDisposable
{
    readonly TemporaryFolder folder = new();
    readonly LocalKeyValueStore store;

    public ConcurrencyTests() => store = LocalKeyValueStore.Open(folder.Path);

    public void Dispose()
    {
        store.Dispose();
        folder.Dispose();
    }

    [Fact]
    public async Task Of_many_parallel_writers_holding_the_same_etag_exactly_one_wins_and_the_rest_conflict()
    {
        for (var round = 0; round < 5; round++)
        {
            var etag = (await store.DescribeAsync()).ETag;
            var start = new TaskCompletionSource();
            var writers = Enumerable.Range(0, 32).Select(writer => Task.Run(async () =>
            {
                await start.Task;
                try
                {
                    await store.UpdateKeysAsync(etag, [new($"round-{round}", $"writer-{writer}")], []);
                    return $"writer-{writer}";
                }
                catch (KvsException e) when (e.Kind == KvsErrorKind.Conflict)
                {
                    return null;
                }
            })).ToArray();

            start.SetResult();
            var outcomes = await Task.WhenAll(writers);

            var winner = outcomes.Where(o => o is not null).ShouldHaveSingleItem();
            (await store.GetAsync($"round-{round}"))!.Value.ShouldBe(winner);
        }
        (await store.DescribeAsync()).ItemCount.ShouldBe(5);
    }

    [Fact]
    public async Task Readers_running_alongside_writers_never_see_half_of_an_update()
    {
        await store.WriteAsync([new("left", "0"), new("right", "0")]);
        using var stop = new CancellationTokenSource();

        var writer = Task.Run(async () =>
        {
            for (var i = 1; i <= 200; i++)
                await store.WriteAsync([new("left", $"{i}"), new("right", $"{i}")]);
            await stop.CancelAsync();
        });
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested || reads == 0)
            {
                var page = await store.ListAsync(maxResults: 50);
                page.Items.Count.ShouldBe(2);
                page.Items[0].Value.ShouldBe(page.Items[1].Value);
                reads++;
            }
            return reads;
        })).ToArray();

        await writer;
        (await Task.WhenAll(readers)).ShouldAllBe(reads => reads > 0);
        (await store.GetAsync("left"))!.Value.ShouldBe("200");
    }

    [Fact]
    public async Task Writers_that_reread_the_etag_after_a_conflict_all_get_through_without_lost_updates()
    {
        var writers = Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                while (true)
                {
                    try
                    {
                        await store.WriteAsync([new($"w{writer}-{i}", "v")]);
                        break;
                    }
                    catch (KvsException e) when (e.Kind == KvsErrorKind.Conflict)
                    {
                    }
                }
            }
        }));

        await Task.WhenAll(writers);

        (await store.DescribeAsync()).ItemCount.ShouldBe(80);
    }
}
