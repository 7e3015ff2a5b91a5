using System.Net;
using EdgeAllowlist.Api.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAllowlist.Api.Tests.Writer;

/// <summary>
/// The full re-read a partly checked state is owed runs in the background: one listing per round,
/// taken without the writer's queue or the store lock, so a keyed write does not wait for it, and a
/// store that moves during the listing is not listed again in the same round.
/// </summary>
public sealed class BackgroundReconcileTests(BackgroundReconcileTests.GatedHost host) : IClassFixture<BackgroundReconcileTests.GatedHost>
{
    const string WrittenDuringListing = "https://aaa-written-during-listing.example";
    const string EditedDuringListing = "o:https://zzz-edited-during-listing.example";

    [Fact]
    public async Task A_store_edited_during_the_background_listing_is_listed_once_and_a_keyed_write_does_not_wait_for_it()
    {
        using var admin = host.Admin();
        var gate = host.Gate;
        // Enough keys for three pages, added from outside and reconciled in the background before the gate is armed.
        for (var chunk = 0; chunk < 3; chunk++)
            await gate.EditAsync([.. Enumerable.Range(chunk * 40, 40).Select(i => $"o:https://seed-{i:D3}.example")]);
        await UntilAuditedAsync(admin, "kvs.external-change", Uri.EscapeDataString("o:https://seed-119.example"));
        (await AuditAsync(admin, "kvs.external-change", Uri.EscapeDataString("o:https://seed-119.example"))).Count.ShouldBe(1);
        await gate.ArmBetweenListingsAsync();
        // One more external edit moves the ETag, so the next background re-read starts.
        await gate.EditAsync(["o:https://moved.example"]);
        await gate.Paused.WaitAsync(TimeSpan.FromMinutes(2));

        // The listing is held between its pages, after one more external edit: a keyed write is answered meanwhile.
        var write = admin.PostJsonAsync("/v1/origins", new { origin = WrittenDuringListing });
        await Task.WhenAny(write, Task.Delay(TimeSpan.FromSeconds(30)));
        write.IsCompleted.ShouldBeTrue("A keyed write waited for the background listing.");
        (await write).StatusCode.ShouldBe(HttpStatusCode.Created);
        gate.Completed.ShouldBe(0);

        gate.Release();
        await UntilAuditedAsync(admin, "kvs.external-change", Uri.EscapeDataString(EditedDuringListing));
        gate.Completed.ShouldBe(1, "The background re-read listed the store more than once.");
        gate.ReleaseLater();
        (await AuditAsync(admin, "kvs.external-change", Uri.EscapeDataString(EditedDuringListing))).Count.ShouldBe(1);
        // The write the listing did not see (its key is on the page read before it landed) is ours, not an external removal.
        (await AuditAsync(admin, "origin.add", Uri.EscapeDataString(WrittenDuringListing))).Count.ShouldBe(1);
        (await AuditAsync(admin, "kvs.external-change", Uri.EscapeDataString("o:" + WrittenDuringListing))).ShouldBeEmpty();
        (await (await admin.GetAsync("/v1/origins/" + Uri.EscapeDataString(WrittenDuringListing))).Content.ReadAsStringAsync()).ShouldContain(WrittenDuringListing);
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    static async Task<List<System.Text.Json.Nodes.JsonNode?>> AuditAsync(HttpClient admin, string action, string target) =>
        [.. (await admin.GetJsonAsync($"/v1/audit?action={action}&target={target}"))["items"]!.AsArray()];

    static async Task UntilAuditedAsync(HttpClient admin, string action, string target)
    {
        for (var tries = 0; (await AuditAsync(admin, action, target)).Count == 0; tries++)
        {
            tries.ShouldBeLessThan(600, $"{target} was never audited as {action}.");
            await Task.Delay(100);
        }
    }

    /// <summary>The service on the embedded store behind a <see cref="ListingGate"/>, looking at the store every 200 ms.</summary>
    public sealed class GatedHost() : ApiHost(null, new Dictionary<string, string?> { ["Writer:StorePollInterval"] = "00:00:00.200" }, configureServices: Wrap)
    {
        public ListingGate Gate => (ListingGate)Service<IKeyValueStore>();

        static void Wrap(IServiceCollection services)
        {
            var original = services.Last(d => d.ServiceType == typeof(IKeyValueStore));
            services.AddSingleton<IKeyValueStore>(sp => new ListingGate((IKeyValueStore)original.ImplementationFactory!(sp)));
        }

        public override async Task DisposeAsync()
        {
            Gate.Release();
            await base.DisposeAsync();
        }
    }

    /// <summary>
    /// Once armed: the first listing edits the store from outside before its second page and waits
    /// there until released; any later listing waits at its first page until <see cref="ReleaseLater"/>,
    /// so the count of completed listings is the count the released round needed.
    /// </summary>
    public sealed class ListingGate(IKeyValueStore inner) : IKeyValueStore, IAsyncDisposable
    {
        readonly TaskCompletionSource paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource later = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly Lock counts = new();
        volatile bool armed;
        int started;
        int completed;
        int inFlight;

        public Task Paused => paused.Task;

        /// <summary>Listings started after arming that read their last page.</summary>
        public int Completed
        {
            get
            {
                lock (counts)
                    return completed;
            }
        }

        /// <summary>Arms the gate once no listing is under way, so the first one it counts starts after arming.</summary>
        public async Task ArmBetweenListingsAsync()
        {
            while (true)
            {
                lock (counts)
                {
                    if (inFlight == 0)
                    {
                        armed = true;
                        return;
                    }
                }
                await Task.Delay(10);
            }
        }

        /// <summary>Lets the held listing go on; later ones still wait, so <see cref="Completed"/> counts the held round's listings only.</summary>
        public void Release() => released.TrySetResult();

        public void ReleaseLater() => later.TrySetResult();

        /// <summary>Puts <paramref name="keys"/> as someone else would, at the store's current ETag.</summary>
        public async Task EditAsync(IReadOnlyList<string> keys) =>
            await inner.UpdateKeysAsync((await inner.DescribeAsync()).ETag, [.. keys.Select(k => new KeyValueItem(k, "{}"))], []);

        public async Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default)
        {
            var counted = false;
            lock (counts)
            {
                if (nextToken is null)
                {
                    inFlight++;
                    counted = armed;
                }
            }
            if (counted && Interlocked.Increment(ref started) > 1)
                await later.Task.WaitAsync(cancellationToken);
            else if (armed && nextToken is not null && !paused.Task.IsCompleted)
            {
                await EditAsync([EditedDuringListing]);
                paused.TrySetResult();
                await released.Task.WaitAsync(cancellationToken);
            }
            var page = await inner.ListAsync(nextToken, maxResults, cancellationToken);
            if (page.NextToken is null)
            {
                lock (counts)
                {
                    inFlight--;
                    if (armed)
                        completed++;
                }
            }
            return page;
        }

        public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) => inner.DescribeAsync(cancellationToken);

        /// <summary>Keys read one by one (GetKey), as a catch-up reads them.</summary>
        public int KeysRead => Volatile.Read(ref keysRead);

        int keysRead;

        public Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref keysRead);
            return inner.GetAsync(key, cancellationToken);
        }

        public Task CheckWritableAsync(CancellationToken cancellationToken = default) => inner.CheckWritableAsync(cancellationToken);

        public ValueTask DisposeAsync()
        {
            Release();
            ReleaseLater();
            return inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
        }

        public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default) =>
            inner.UpdateKeysAsync(ifMatch, puts, deletes, cancellationToken);
    }
}

/// <summary>
/// A large edit from outside during the background listing is read by key at most
/// <see cref="Api.Infrastructure.Writer.StoreApplier.MaxKeysCaughtUpPerRound"/> keys a round, so the store
/// lock is held for a bounded time; the rest is found by the next round's listing, each key audited once.
/// </summary>
public sealed class BackgroundReconcileBoundTests(BackgroundReconcileTests.GatedHost host) : IClassFixture<BackgroundReconcileTests.GatedHost>
{
    const int Edited = 450;
    // The origins' keys are o:<origin>; their audit entries name the origin.
    const string Prefix = "https://zzz-bulk-";

    [Fact]
    public async Task A_large_edit_during_the_listing_is_read_by_key_at_most_the_bound_in_one_round_and_the_next_listing_finds_the_rest()
    {
        using var admin = host.Admin();
        var gate = host.Gate;
        // Enough keys that the listing has a page to pause before, reconciled before the gate is armed.
        for (var chunk = 0; chunk < 3; chunk++)
            await gate.EditAsync([.. Enumerable.Range(chunk * 40, 40).Select(i => $"o:https://seed-{i:D3}.example")]);
        await UntilAsync(async () => await CountAsync(admin, "https://seed-") >= 120, "the seeds");
        await gate.ArmBetweenListingsAsync();
        await gate.EditAsync(["o:https://moved.example"]);
        await gate.Paused.WaitAsync(TimeSpan.FromMinutes(2));

        // While the listing is held after its first page, someone adds 450 keys that sort onto its later pages.
        foreach (var chunk in Enumerable.Range(0, Edited).Chunk(50))
            await gate.EditAsync([.. chunk.Select(i => $"o:{Prefix}{i:D3}.example")]);
        var readBefore = gate.KeysRead;
        gate.Release();

        // The round reads by key only up to the bound (the listing shows all 450 and the gate's own edit as changed outside).
        await UntilAsync(async () => await CountAsync(admin, Prefix) > 0, "the first round");
        var firstRound = await CountAsync(admin, Prefix);
        (gate.KeysRead - readBefore).ShouldBe(Api.Infrastructure.Writer.StoreApplier.MaxKeysCaughtUpPerRound);
        firstRound.ShouldBeLessThanOrEqualTo(Api.Infrastructure.Writer.StoreApplier.MaxKeysCaughtUpPerRound);
        gate.Completed.ShouldBe(1);

        // The next round lists the store, which has stopped moving, and audits the rest: every key exactly once.
        gate.ReleaseLater();
        await UntilAsync(async () => await CountAsync(admin, Prefix) >= Edited, "the next round");
        var entries = await EntriesAsync(admin, Prefix);
        entries.Select(e => e!["target"]!.GetValue<string>()).Order(StringComparer.Ordinal)
            .ShouldBe(Enumerable.Range(0, Edited).Select(i => $"{Prefix}{i:D3}.example"));
        (await admin.GetJsonAsync("/v1/audit/verify"))["valid"]!.GetValue<bool>().ShouldBeTrue();
    }

    static async Task<List<System.Text.Json.Nodes.JsonNode?>> EntriesAsync(HttpClient admin, string prefix) =>
        [.. (await admin.GetJsonAsync($"/v1/audit?action=kvs.external-change&targetPrefix={Uri.EscapeDataString(prefix)}&limit=1000"))["items"]!.AsArray()];

    static async Task<int> CountAsync(HttpClient admin, string prefix) => (await EntriesAsync(admin, prefix)).Count;

    static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        for (var tries = 0; !await condition(); tries++)
        {
            tries.ShouldBeLessThan(600, $"The background re-read never got to {what}.");
            await Task.Delay(100);
        }
    }
}
