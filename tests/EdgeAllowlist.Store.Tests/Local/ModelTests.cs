using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

/// <summary>
/// Random sequences of writes, valid and not, against a plain dictionary that does what KVS
/// documents; the store, reopened and compacted along the way, must always agree with it.
/// </summary>
public sealed class ModelTests : IDisposable
{
    readonly TemporaryFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_store_matches_a_dictionary_model_through_random_writes_reopens_and_compactions(int seed)
    {
        var random = new Random(seed);
        var model = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var store = LocalKeyValueStore.Open(folder.Path, arn: null, compactionThresholdBytes: 8 * 1024);
        try
        {
            for (var operation = 0; operation < 300; operation++)
            {
                if (random.Next(40) == 0)
                {
                    store.Dispose();
                    store = LocalKeyValueStore.Open(folder.Path, arn: null, compactionThresholdBytes: 8 * 1024);
                }

                var before = await store.DescribeAsync();
                var (puts, deletes) = RandomBatch(random);
                var expectedError = ExpectedError(puts, deletes);
                var stale = random.Next(10) == 0;
                var write = store.UpdateKeysAsync(stale ? "KVSTALE" : before.ETag, puts, deletes);

                if (expectedError is { } kind)
                    await write.ShouldFailWith(kind);
                else if (stale)
                    await write.ShouldFailWith(KvsErrorKind.Conflict);
                else
                {
                    var result = await write;
                    foreach (var put in puts)
                        model[put.Key] = put.Value;
                    foreach (var key in deletes)
                        model.Remove(key);
                    result.ItemCount.ShouldBe(model.Count);
                    result.TotalSizeInBytes.ShouldBe(model.Sum(p => KvsLimits.EntrySize(p.Key, p.Value)));
                }

                var after = await store.DescribeAsync();
                after.ItemCount.ShouldBe(model.Count);
                after.TotalSizeInBytes.ShouldBe(model.Sum(p => KvsLimits.EntrySize(p.Key, p.Value)));
                (after.ETag == before.ETag).ShouldBe(expectedError is not null || stale);
            }

            (await store.ReadAllAsync()).ShouldBe(model.Select(p => new KeyValueItem(p.Key, p.Value)));
        }
        finally
        {
            store.Dispose();
        }
    }

    static (KeyValueItem[] Puts, string[] Deletes) RandomBatch(Random random)
    {
        var puts = Enumerable.Range(0, random.Next(0, 8))
            .Select(_ => new KeyValueItem(RandomKey(random), new string('v', random.Next(0, 10) == 0 ? 1025 : random.Next(0, 1025))))
            .ToArray();
        var deletes = Enumerable.Range(0, random.Next(0, 4)).Select(_ => RandomKey(random)).ToArray();
        return (puts, deletes);
    }

    // A small key space, so puts overwrite, deletes hit, and duplicates within a batch happen.
    static string RandomKey(Random random) => random.Next(50) == 0 ? new string('k', 513) : $"key-{random.Next(40)}";

    static KvsErrorKind? ExpectedError(KeyValueItem[] puts, string[] deletes)
    {
        var keys = puts.Select(p => p.Key).Concat(deletes).ToList();
        if (keys.Count == 0
            || keys.Count != keys.Distinct(StringComparer.Ordinal).Count()
            || keys.Any(k => KvsLimits.ByteCount(k) > KvsLimits.MaxKeyBytes)
            || puts.Any(p => KvsLimits.ByteCount(p.Value) > KvsLimits.MaxValueBytes))
            return KvsErrorKind.Validation;
        return null;
    }
}
