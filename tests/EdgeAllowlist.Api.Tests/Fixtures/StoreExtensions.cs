namespace EdgeAllowlist.Api.Tests.Fixtures;

public static class StoreExtensions
{
    /// <summary>Every key of the store, read page by page through the port.</summary>
    public static async Task<Dictionary<string, string>> ListAllAsync(this IKeyValueStore store)
    {
        var items = new Dictionary<string, string>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await store.ListAsync(token, KvsLimits.MaxListPageSize);
            foreach (var item in page.Items)
                items[item.Key] = item.Value;
            token = page.NextToken;
        }
        while (token is not null);
        return items;
    }
}
