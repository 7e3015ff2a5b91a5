using EdgeAllowlist.Api.Features.Simulate;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.EdgeFunction;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Expectations;

/// <summary>
/// Runs expectations through the deployed function file (the simulate engine: the same runtime, the
/// unmodified file) against a store given as its items, so a change can be checked on the store as
/// it would be before the change is written. Writes nothing; no I/O.
/// </summary>
sealed class ExpectationEvaluator(EdgeFunctionRuntime runtime)
{
    /// <summary>Shaped like a secret, issued nowhere: the stand-in a partner probe presents.</summary>
    public const string ProbeSecret = "ealp_PROBEprobePROBEprobePROBEprobePROBEprobe000";

    static readonly string ProbeSecretKey = KvsLayout.SecretKey(Secrets.PartnerSecrets.Hash(ProbeSecret));

    public Decision Run(Probe probe, IReadOnlyDictionary<string, string> items, DateTimeOffset now, Dictionary<string, string?>? reads = null)
    {
        var (uri, query) = Simulate.Run.Endpoint.SplitQuery(probe.Uri, probe.Query);
        var cloudFrontEvent = EdgeEvent.ViewerRequest(uri, probe.Headers, probe.Method, query);
        return Decision.Of(runtime.Run(cloudFrontEvent, new ProbeStore(items, probe.SecretKey, reads ?? []), probe.At ?? now));
    }

    public ExpectationResult Evaluate(Expectation expectation, IReadOnlyDictionary<string, string> items, DateTimeOffset now)
    {
        Decision? first = null;
        var reads = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var probe in expectation.Probes)
        {
            var decision = Run(probe, items, now, reads);
            first ??= decision;
            var holds = Holds(expectation, decision);
            if (holds && expectation.AnyProbe)
                return new(true, decision, reads, NextExpiry(reads, now));
            if (!holds && !expectation.AnyProbe)
                return new(false, decision, reads, NextExpiry(reads, now));
        }
        // Every probe held (all), none did (any), or there was none to run (a partner without live secrets fails).
        return new(!expectation.AnyProbe && first is not null, first ?? new(Expectation.Deny, "secret-unknown"), reads, NextExpiry(reads, now));
    }

    /// <summary>
    /// The first moment after <paramref name="now"/> at which an origin or secret read expires: the
    /// only way time changes the function's answer (its <c>expired()</c>). Unbounded when none will.
    /// </summary>
    static DateTimeOffset NextExpiry(Dictionary<string, string?> reads, DateTimeOffset now)
    {
        var next = DateTimeOffset.MaxValue;
        foreach (var (key, value) in reads)
        {
            if (value is not null && (key.StartsWith(KvsLayout.OriginPrefix, StringComparison.Ordinal) || key.StartsWith(KvsLayout.SecretPrefix, StringComparison.Ordinal))
                && KvsLayout.ReadExpiry(value) is { } expiry && expiry > now && expiry < next)
                next = expiry;
        }
        return next;
    }

    static bool Holds(Expectation expectation, Decision decision) =>
        decision.Action == expectation.Expect && (expectation.Expect == Expectation.Pass || expectation.Reason is null || decision.Reason == expectation.Reason);

    /// <summary>The items as the function reads them: <c>cfg</c> with reasons on, and the probe secret answered as the partner's real key.</summary>
    sealed class ProbeStore(IReadOnlyDictionary<string, string> items, string? secretKey, Dictionary<string, string?> reads) : IKeyValueStore
    {
        public Task<KeyValueItem?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            var source = secretKey is not null && key == ProbeSecretKey ? secretKey : key;
            var found = items.TryGetValue(source, out var value);
            reads[source] = found ? value : null;
            if (!found)
                return Task.FromResult<KeyValueItem?>(null);
            return Task.FromResult<KeyValueItem?>(new(key, key == KvsLayout.ConfigKey ? ReadRecordingStore.WithReason(value!) : value!));
        }

        public Task<StoreDescription> DescribeAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException("The function never describes the store.");

        public Task<KeyPage> ListAsync(string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("The function never lists the store.");

        public Task<WriteResult> UpdateKeysAsync(string ifMatch, IReadOnlyCollection<KeyValueItem> puts, IReadOnlyCollection<string> deletes, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("An expectation never writes to the store.");
    }
}
