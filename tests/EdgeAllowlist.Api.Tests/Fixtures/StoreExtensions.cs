namespace EdgeAllowlist.Api.Tests.Fixtures;

public static class StoreExtensions
{
    /// <summary>Every key of the store, read page by page through the port.</summary>
    public static async Task<Dictionary<string, string>> ListAllAsync(this IKeyValueStore store) =>
        (await store.ReadAllAsync()).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
}
