using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Store.Tests.Local;

static class StoreTestExtensions
{
    /// <summary>One UpdateKeys at the store's current ETag.</summary>
    public static async Task<WriteResult> WriteAsync(this LocalKeyValueStore store, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string>? deletes = null)
    {
        var description = await store.DescribeAsync();
        return await store.UpdateKeysAsync(description.ETag, puts, deletes ?? []);
    }

    public static Task<WriteResult> PutAsync(this LocalKeyValueStore store, string key, string value) => store.WriteAsync([new(key, value)]);

    public static async Task<KvsException> ShouldFailWith(this Task task, KvsErrorKind kind)
    {
        var error = await Should.ThrowAsync<KvsException>(task);
        error.Kind.ShouldBe(kind, error.Message);
        return error;
    }
}
