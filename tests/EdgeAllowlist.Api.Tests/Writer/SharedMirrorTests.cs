using System.Security.Cryptography;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Database;
using EdgeAllowlist.Api.Infrastructure.Schema;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Rules.Layout;
using EdgeAllowlist.Store.Local;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAllowlist.Api.Tests.Writer;

/// <summary>
/// Two instances' writers on one real PostgreSQL database and one store, wired as
/// <see cref="ServiceRegistration"/> wires an instance but without its background loops, so each step
/// of an interleaving that the <c>reliability contention</c> bench only meets by chance happens in a fixed order.
/// </summary>
public sealed class SharedMirrorTests : IAsyncLifetime
{
    const string Written = "https://written.shared-mirror.example";
    const string EditedFirst = "https://edited-first.shared-mirror.example";
    const string EditedLater = "https://edited-later.shared-mirror.example";

    readonly TemporaryFolder folder = new();
    readonly string postgres = PostgresServer.CreateDatabase();
    readonly string mirrorKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    readonly LocalKeyValueStore store;
    readonly List<ServiceProvider> instances = [];

    public SharedMirrorTests() => store = LocalKeyValueStore.Open(folder.File("kvs"));

    /// <summary>
    /// One instance's writer parts from its own container (its own connection pool, locks and state), on the
    /// shared database, store, mirror key and audit key, as two processes of one deployment are configured.
    /// </summary>
    StoreApplier Instance(string name)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DataDirectory"] = folder.File(name),
            ["Database:ConnectionString"] = postgres,
            ["Mirror:Key"] = mirrorKey,
            ["Audit:KeyFile"] = folder.File("audit-key.pem"),
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddMetrics()
            .AddSettings(configuration)
            .AddDatabase(configuration)
            .AddAuditSigning(configuration)
            .AddWritePath()
            .AddObservability()
            .AddSingleton<IKeyValueStore>(store)
            .BuildServiceProvider();
        instances.Add(services);
        return services.GetRequiredService<StoreApplier>();
    }

    /// <summary>One keyed change planned against the applier's state and sent as the writer sends a chunk (journal, If-Match, audit, mirror).</summary>
    static async Task WriteAsync(StoreApplier applier, string origin, string value)
    {
        var key = KvsLayout.OriginKey(origin);
        var change = new PendingChange(new("admin", null, null), _ => [new KeyWrite(key, value, AuditActions.OriginAdd, origin)], syncFirst: false, keys: [key]);
        PlannedWrite[] chunk = [.. WritePlanner.Plan([change], applier.State).Writes];
        await applier.WriteAsync(chunk, applier.IntentFor(chunk), CancellationToken.None);
    }

    async Task EditStoreAsync(string origin, string value) =>
        await store.UpdateKeysAsync((await store.DescribeAsync()).ETag, [new(KvsLayout.OriginKey(origin), value)], []);

    /// <summary>The shared mirror's rows, and what its seal says of them, as any instance loads it.</summary>
    async Task<(SealCheck Check, IReadOnlyDictionary<string, string> Rows)> MirrorAsync()
    {
        var database = instances[0].GetRequiredService<IDatabase>();
        var seal = instances[0].GetRequiredService<MirrorSeal>();
        return await database.WriteLockedAsync(async (connection, transaction) =>
        {
            var (state, check) = await MirrorRepository.LoadAsync(connection, transaction, await MirrorRepository.ReadETagAsync(connection, transaction, CancellationToken.None), seal, CancellationToken.None);
            return (check, (IReadOnlyDictionary<string, string>)state.Items);
        }, CancellationToken.None);
    }

    async Task<List<AuditEntry>> AuditAsync(string action) =>
        [.. await instances[0].GetRequiredService<AuditTrail>().QueryAsync(new(Action: action), 1000)];

    /// <summary>
    /// Before the save-count check (<c>kvs_state.ack_seq</c>), the write of the instance holding the partly checked
    /// state sealed its own, older digest over the rows the other instance had completed; the next load found the
    /// seal broken, "repaired" the mirror from the store and recorded a real external edit as <c>mirror.drift</c>.
    /// Then, the other instance had to complete the mirror between this one's catch-up and its write; since the
    /// writer no longer catches up before a write whose keys it has all read (<see cref="BatchProcessor"/>), every such write takes this path.
    /// </summary>
    [Fact]
    public async Task A_write_from_a_partly_checked_state_after_the_other_instance_completed_the_mirror_at_that_ETag_keeps_the_seal_true_and_a_later_edit_is_audited_as_external()
    {
        var a = Instance("a");
        var b = Instance("b");
        await DatabaseSchema.EnsureAsync(instances[0].GetRequiredService<IDatabase>());
        await a.SyncAsync(CancellationToken.None);
        await b.SyncAsync(CancellationToken.None);
        await WriteAsync(a, Written, "{}");
        await b.SyncAsync(CancellationToken.None);

        // Someone edits the store; the first instance catches up by reading only the key it is about to write.
        await EditStoreAsync(EditedFirst, "{}");
        (await a.CatchUpAsync([KvsLayout.OriginKey(Written)], CancellationToken.None)).ShouldBeTrue();
        a.State.Fresh.ShouldBe([KvsLayout.OriginKey(Written)]);

        // The other instance's full re-read completes the shared mirror at that same ETag, auditing the edit.
        await b.SyncAsync(CancellationToken.None);
        b.State.ETag.ShouldBe(a.State.ETag);
        (await MirrorAsync()).Check.ShouldBe(SealCheck.Valid);

        // The first instance writes from the state it caught up, so it saves over the completed mirror.
        await WriteAsync(a, Written, "{\"exp\":1}");
        (await MirrorAsync()).Check.ShouldBe(SealCheck.Partial, "the seal is made over the rows the other instance completed, marked partly checked");

        // Someone edits the store again; the next full re-read, by either instance, finds that edit as external.
        await EditStoreAsync(EditedLater, "{}");
        await b.SyncAsync(CancellationToken.None);
        await a.SyncAsync(CancellationToken.None);

        (await AuditAsync(AuditActions.MirrorDrift)).ShouldBeEmpty();
        (await AuditAsync(AuditActions.ExternalChange)).Select(e => (e.Target, e.After)).OrderBy(e => e.Target, StringComparer.Ordinal)
            .ShouldBe([(EditedFirst, "{}"), (EditedLater, "{}")]);
        a.Tamper.ShouldBeNull();
        b.Tamper.ShouldBeNull();
        var (check, rows) = await MirrorAsync();
        check.ShouldBe(SealCheck.Valid);
        var items = (await store.ReadAllAsync()).ToDictionary(i => i.Key, i => i.Value);
        rows.ShouldBe(items);
        a.State.Items.ShouldBe(items);
        b.State.Items.ShouldBe(items);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in instances)
            await instance.DisposeAsync();
        await store.DisposeAsync();
        folder.Dispose();
    }
}
