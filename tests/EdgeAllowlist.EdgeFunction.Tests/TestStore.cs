using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.EdgeFunction.Tests;

/// <summary>A real <see cref="LocalKeyValueStore"/> in a temporary folder, deleted on dispose.</summary>
sealed class TestStore : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("edge-allowlist-function-").FullName;

    public TestStore() => Store = LocalKeyValueStore.Open(folder);

    public LocalKeyValueStore Store { get; }

    public static async Task<TestStore> WithAsync(IEnumerable<KeyValueItem> items)
    {
        var store = new TestStore();
        await store.WriteAsync(items.ToList());
        return store;
    }

    /// <summary>Loads the fixture of <c>function/events/_kvs.json</c>, changed as the case says.</summary>
    public static Task<TestStore> ForCaseAsync(EventCase eventCase) =>
        WithAsync(eventCase.StoreContents(EventCases.LoadFixture()));

    /// <summary>One UpdateKeys at the current ETag, in batches of the KVS limit.</summary>
    public async Task WriteAsync(IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string>? deletes = null)
    {
        foreach (var batch in puts.Chunk(KvsLimits.MaxKeysPerUpdate).DefaultIfEmpty([]))
        {
            var description = await Store.DescribeAsync();
            await Store.UpdateKeysAsync(description.ETag, batch, deletes ?? []);
            deletes = [];
        }
    }

    public Task PutAsync(string key, string value) => WriteAsync([new(key, value)]);

    public Task DeleteAsync(string key) => WriteAsync([], [key]);

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(folder, recursive: true);
    }
}
