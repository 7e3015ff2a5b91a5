using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using EdgeAllowlist.Store;
using EdgeAllowlist.Store.Local;

namespace EdgeAllowlist.Emulator;

/// <summary>One <see cref="LocalKeyValueStore"/> per ARN, each in its own folder under the data path.</summary>
public sealed partial class StoreRegistry : IDisposable
{
    readonly string dataPath;
    readonly ConcurrentDictionary<string, LocalKeyValueStore> stores = new(StringComparer.Ordinal);
    readonly Lock createGate = new();
    readonly ILogger logger;

    /// <exception cref="LocalStoreDamagedException">A store folder is damaged; the emulator does not start.</exception>
    public StoreRegistry(EmulatorOptions options, ILogger<StoreRegistry> logger)
    {
        this.logger = logger;
        dataPath = Path.GetFullPath(options.DataPath);
        PrivateFiles.CreateFolder(dataPath);
        foreach (var folder in Directory.GetDirectories(dataPath).Where(d => StoreFolderPattern().IsMatch(Path.GetFileName(d))))
        {
            var store = LocalKeyValueStore.Open(folder, logger: logger);
            stores[store.Arn] = store;
        }

        foreach (var arn in options.Stores) GetOrCreate(arn);
    }

    public IReadOnlyCollection<string> Arns => stores.Keys.Order(StringComparer.Ordinal).ToList();

    public LocalKeyValueStore? Find(string arn) => stores.GetValueOrDefault(arn);

    /// <exception cref="ArgumentException">Not a KeyValueStore ARN.</exception>
    public LocalKeyValueStore GetOrCreate(string arn)
    {
        var parsed = KvsArn.Parse(arn);
        lock (createGate)
        {
            if (stores.TryGetValue(arn, out var existing)) return existing;
            var store = LocalKeyValueStore.Open(Path.Combine(dataPath, $"{parsed.AccountId}-{parsed.StoreId}"), arn, logger);
            stores[arn] = store;
            return store;
        }
    }

    public void Dispose()
    {
        foreach (var store in stores.Values) store.Dispose();
    }

    [GeneratedRegex("^[0-9]{12}-[0-9a-fA-F-]{36}$")]
    private static partial Regex StoreFolderPattern();
}
