using EdgeAllowlist.Store.Local;
using Microsoft.Extensions.Logging;

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
    public async Task A_torn_tail_is_cut_with_a_warning_that_gives_the_byte_count()
    {
        var (beforeLast, _) = await WriteThreeTimesAsync();
        using (var log = new FileStream(LogPath, FileMode.Open))
            log.SetLength(log.Length - 25);
        var lengthBefore = new FileInfo(LogPath).Length;
        var logger = new RecordingLogger();

        using (var store = LocalKeyValueStore.Open(folder.Path, logger: logger))
            (await store.DescribeAsync()).ShouldBe(beforeLast);

        var cut = lengthBefore - new FileInfo(LogPath).Length;
        cut.ShouldBeGreaterThan(0);
        var warning = logger.Entries.ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        warning.Message.ShouldContain($"cut {cut} bytes");
        warning.Message.ShouldContain(LogPath);
    }

    [Fact]
    public async Task A_clean_log_opens_without_a_warning()
    {
        await WriteThreeTimesAsync();
        var logger = new RecordingLogger();

        using (LocalKeyValueStore.Open(folder.Path, logger: logger))
            logger.Entries.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0)]      // the length of the first record: every record after it is misframed
    [InlineData(4)]      // its version
    [InlineData(30)]     // inside its payload
    public async Task A_flipped_byte_in_a_record_before_the_last_refuses_to_open_and_changes_nothing(int offsetInFirstRecord)
    {
        await WriteThreeTimesAsync();
        var bytes = await File.ReadAllBytesAsync(LogPath);
        bytes[offsetInFirstRecord] ^= 0x01;
        await File.WriteAllBytesAsync(LogPath, bytes);

        var error = Should.Throw<LocalStoreDamagedException>(() => LocalKeyValueStore.Open(folder.Path));

        error.FilePath.ShouldBe(LogPath);
        error.Message.ShouldContain("restore the store folder from a backup");
        error.Message.ShouldNotContain("\n");
        (await File.ReadAllBytesAsync(LogPath)).ShouldBe(bytes);
    }

    [Fact]
    public async Task A_flipped_byte_in_the_middle_of_a_30_record_log_refuses_to_open()
    {
        using (var store = LocalKeyValueStore.Open(folder.Path))
            for (var i = 0; i < 30; i++)
                await store.PutAsync($"o:https://site{i}.example", "{}");
        var bytes = await File.ReadAllBytesAsync(LogPath);
        bytes[bytes.Length / 2] ^= 0x20;
        await File.WriteAllBytesAsync(LogPath, bytes);

        Should.Throw<LocalStoreDamagedException>(() => LocalKeyValueStore.Open(folder.Path)).FilePath.ShouldBe(LogPath);
    }

    [Fact]
    public async Task A_bad_tail_longer_than_any_one_write_is_damage_not_a_torn_write()
    {
        var (_, _) = await WriteThreeTimesAsync();
        await using (var log = new FileStream(LogPath, FileMode.Append))
            log.Write(new byte[WriteAheadLog.MaxFrameBytes + 1]);

        Should.Throw<LocalStoreDamagedException>(() => LocalKeyValueStore.Open(folder.Path));
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

        var error = Should.Throw<LocalStoreDamagedException>(() => LocalKeyValueStore.Open(folder.Path));
        error.Message.ShouldContain("damaged");
        error.FilePath.ShouldBe(snapshot);
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
