using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

public sealed class DurabilityTests : IDisposable
{
    readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    string LogPath => folder.File(WriteAheadLog.FileName);

    [Fact]
    public async Task A_reopened_store_has_every_acknowledged_write_and_the_same_etag_arn_and_dates()
    {
        StoreDescription before;
        using (var store = LocalKeyValueStore.Open(folder.Path))
        {
            await store.WriteAsync([new("a", "1"), new("b", "2"), new("é", "ü")]);
            await store.WriteAsync([new("c", "3")], ["a"]);
            before = await store.DescribeAsync();
        }

        using var reopened = LocalKeyValueStore.Open(folder.Path);

        (await reopened.DescribeAsync()).ShouldBe(before);
        (await reopened.ReadAllAsync()).ShouldBe([new("b", "2"), new("c", "3"), new("é", "ü")]);
        await reopened.UpdateKeysAsync(before.ETag, [new("d", "4")], []);
    }

    [Fact]
    public async Task A_compacted_store_reopens_with_its_snapshot_and_the_writes_after_it()
    {
        StoreDescription before;
        using (var store = LocalKeyValueStore.Open(folder.Path))
        {
            await store.WriteAsync([new("a", "1"), new("b", "2")]);
            store.Compact();
            new FileInfo(LogPath).Length.ShouldBe(0);
            await store.WriteAsync([new("c", "3")], ["a"]);
            before = await store.DescribeAsync();
        }

        using var reopened = LocalKeyValueStore.Open(folder.Path);

        (await reopened.DescribeAsync()).ShouldBe(before);
        (await reopened.ReadAllAsync()).ShouldBe([new("b", "2"), new("c", "3")]);
    }

    [Fact]
    public async Task The_log_is_compacted_into_the_snapshot_once_it_passes_the_threshold()
    {
        using (var store = LocalKeyValueStore.Open(folder.Path, arn: null, compactionThresholdBytes: 4096))
        {
            for (var i = 0; i < 40; i++)
                await store.PutAsync($"k{i % 7}", new string((char)('a' + i % 26), 500));
        }

        new FileInfo(LogPath).Length.ShouldBeLessThan(4096 + 1024);
        using var reopened = LocalKeyValueStore.Open(folder.Path);
        (await reopened.GetAsync("k4"))!.Value.ShouldBe(new string((char)('a' + 39 % 26), 500));
        (await reopened.DescribeAsync()).ItemCount.ShouldBe(7);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(32)]
    [InlineData(40)]
    [InlineData(80)]
    public async Task A_log_whose_last_record_is_cut_short_opens_at_the_write_before_it(int bytesCut)
    {
        var (beforeLast, _) = await WriteThreeTimesAsync();
        using (var log = new FileStream(LogPath, FileMode.Open))
            log.SetLength(log.Length - bytesCut);

        await ShouldOpenAtAsync(beforeLast, [new("k", "2")]);
    }

    [Fact]
    public async Task A_log_whose_last_record_has_a_flipped_byte_opens_at_the_write_before_it()
    {
        var (beforeLast, _) = await WriteThreeTimesAsync();
        var bytes = await File.ReadAllBytesAsync(LogPath);
        bytes[^40] ^= 0x01;
        await File.WriteAllBytesAsync(LogPath, bytes);

        await ShouldOpenAtAsync(beforeLast, [new("k", "2")]);
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0xff)]
    public async Task Junk_after_the_last_whole_record_is_dropped(byte junk)
    {
        var (_, last) = await WriteThreeTimesAsync();
        await using (var log = new FileStream(LogPath, FileMode.Append))
            log.Write(Enumerable.Repeat(junk, 300).ToArray());

        await ShouldOpenAtAsync(last, [new("k", "3")]);
    }

    [Fact]
    public async Task After_recovering_from_a_torn_tail_new_writes_follow_the_last_whole_record_and_survive_a_reopen()
    {
        var (beforeLast, _) = await WriteThreeTimesAsync();
        using (var log = new FileStream(LogPath, FileMode.Open))
            log.SetLength(log.Length - 10);

        using (var store = LocalKeyValueStore.Open(folder.Path))
            await store.UpdateKeysAsync(beforeLast.ETag, [new("after", "recovery")], []);

        using var reopened = LocalKeyValueStore.Open(folder.Path);
        (await reopened.ReadAllAsync()).ShouldBe([new("after", "recovery"), new("k", "2")]);
    }

    [Fact]
    public async Task A_crash_between_writing_a_snapshot_and_emptying_the_log_replays_nothing_twice()
    {
        StoreDescription before;
        using (var store = LocalKeyValueStore.Open(folder.Path))
        {
            await store.WriteAsync([new("a", "1")]);
            await store.WriteAsync([new("b", "2")], ["a"]);
            var logBeforeCompaction = await File.ReadAllBytesAsync(LogPath);
            store.Compact();
            before = await store.DescribeAsync();
            // As if the process died after the rename and before the truncation.
            await File.WriteAllBytesAsync(LogPath, logBeforeCompaction);
        }

        using (var reopened = LocalKeyValueStore.Open(folder.Path))
        {
            (await reopened.DescribeAsync()).ShouldBe(before);
            (await reopened.ReadAllAsync()).ShouldBe([new("b", "2")]);
            await reopened.WriteAsync([new("c", "3")]);
        }

        using var again = LocalKeyValueStore.Open(folder.Path);
        (await again.ReadAllAsync()).ShouldBe([new("b", "2"), new("c", "3")]);
    }

    [Fact]
    public async Task A_half_written_temporary_snapshot_from_a_crash_is_ignored_and_removed()
    {
        var (_, last) = await WriteThreeTimesAsync();
        await File.WriteAllBytesAsync(folder.File("snapshot.tmp"), [0x45, 0x41, 0x4b]);

        await ShouldOpenAtAsync(last, [new("k", "3")]);
        File.Exists(folder.File("snapshot.tmp")).ShouldBeFalse();
    }

    [Fact]
    public async Task A_damaged_snapshot_is_reported_rather_than_guessed_at()
    {
        await WriteThreeTimesAsync();
        var snapshot = folder.File(Snapshot.FileName);
        var bytes = await File.ReadAllBytesAsync(snapshot);
        bytes[^1] ^= 0x01;
        await File.WriteAllBytesAsync(snapshot, bytes);

        var error = Should.Throw<InvalidDataException>(() => LocalKeyValueStore.Open(folder.Path));
        error.Message.ShouldContain("damaged");
    }

    [Fact]
    public void A_second_open_of_the_same_folder_is_refused_until_the_first_is_disposed()
    {
        using (LocalKeyValueStore.Open(folder.Path))
        {
            var error = Should.Throw<IOException>(() => LocalKeyValueStore.Open(folder.Path));
            error.Message.ShouldContain("already open");
        }

        using var reopened = LocalKeyValueStore.Open(folder.Path);
    }

    // Three writes to "k" (values 1, 2, 3); returns the description after the second and the third.
    async Task<(StoreDescription BeforeLast, StoreDescription Last)> WriteThreeTimesAsync()
    {
        using var store = LocalKeyValueStore.Open(folder.Path);
        await store.PutAsync("k", "1");
        await store.PutAsync("k", "2");
        var beforeLast = await store.DescribeAsync();
        await store.PutAsync("k", "3");
        return (beforeLast, await store.DescribeAsync());
    }

    async Task ShouldOpenAtAsync(StoreDescription expected, KeyValueItem[] items)
    {
        using var store = LocalKeyValueStore.Open(folder.Path);
        (await store.DescribeAsync()).ShouldBe(expected);
        (await store.ReadAllAsync()).ShouldBe(items);
    }
}
