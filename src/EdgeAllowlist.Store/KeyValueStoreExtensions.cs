namespace EdgeAllowlist.Store;

public static class KeyValueStoreExtensions
{
    /// <summary>
    /// Every item in key order, read page by page through ListKeys at its largest page size. ListKeys
    /// carries no ETag, so this is not a snapshot: pair it with Describe before and after when that matters.
    /// </summary>
    public static async Task<List<KeyValueItem>> ReadAllAsync(this IKeyValueStore store, CancellationToken cancellationToken = default)
    {
        var all = new List<KeyValueItem>();
        string? token = null;
        do
        {
            var page = await store.ListAsync(token, KvsLimits.MaxListPageSize, cancellationToken);
            all.AddRange(page.Items);
            token = page.NextToken;
        }
        while (token is not null);
        return all;
    }
}
