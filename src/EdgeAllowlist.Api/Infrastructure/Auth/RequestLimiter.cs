using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Audit;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

public sealed class AuthOptions : Configuration.ISettings
{
    public static string Section => "Auth";
    /// <summary>A token used instead of a generated one for the first admin (env EDGE_ALLOWLIST_BOOTSTRAP_TOKEN).</summary>
    public string? BootstrapToken { get; set; }

    /// <summary>
    /// Failed authentications one client address (an IPv6 address: its /64) may make per window;
    /// after that its requests without a valid token get 429 until the window ends.
    /// </summary>
    public int MaxFailures { get; set; } = 20;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Addresses tracked at once; failures from further addresses share one window, so neither memory
    /// nor the audit trail grows with the number of addresses a flood comes from.
    /// </summary>
    public int MaxTrackedAddresses { get; set; } = 1000;

    /// <summary>Requests one valid token may make per <see cref="TokenWindow"/>; more get 429.</summary>
    public int MaxRequestsPerToken { get; set; } = 1000;

    public TimeSpan TokenWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often ended failure windows are written to the audit trail.</summary>
    public TimeSpan AuditFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (BootstrapToken is { Length: > 0 } token && !ApiTokenStore.LooksLikeToken(token))
            yield return (nameof(BootstrapToken), "(EDGE_ALLOWLIST_BOOTSTRAP_TOKEN) must be 32 to 256 printable ASCII characters");
        if (MaxFailures < 1) yield return (nameof(MaxFailures), $"must be at least 1 (got {MaxFailures})");
        if (FailureWindow <= TimeSpan.Zero) yield return (nameof(FailureWindow), $"must be positive (got {FailureWindow})");
        if (MaxTrackedAddresses < 1) yield return (nameof(MaxTrackedAddresses), $"must be at least 1 (got {MaxTrackedAddresses})");
        if (MaxRequestsPerToken < 1) yield return (nameof(MaxRequestsPerToken), $"must be at least 1 (got {MaxRequestsPerToken})");
        if (TokenWindow <= TimeSpan.Zero) yield return (nameof(TokenWindow), $"must be positive (got {TokenWindow})");
        if (AuditFlushInterval <= TimeSpan.Zero) yield return (nameof(AuditFlushInterval), $"must be positive (got {AuditFlushInterval})");
    }
}

/// <summary>
/// The one limiter in front of every route that needs a token. Requests with a valid token are
/// counted per token and never refused for what others did from the same address (behind NAT or a
/// proxy that is everyone). Requests without a valid token are counted per address: after
/// <see cref="AuthOptions.MaxFailures"/> failures in a window the address gets 429 until it ends,
/// which bounds token guessing. Failures are audited in aggregate: one <c>auth.denied</c> entry per
/// address window, written when the window ends or the service stops, so an anonymous flood adds at
/// most <see cref="AuthOptions.MaxTrackedAddresses"/> + 1 entries per window. In memory: each
/// instance counts on its own.
/// </summary>
public sealed class RequestLimiter(IOptions<AuthOptions> options, TimeProvider time, AuditTrail audit, ILogger<RequestLimiter> logger) : BackgroundService
{
    /// <summary>The window key that failures from addresses beyond the tracked ones share.</summary>
    public const string OtherAddresses = "other addresses";

    readonly Lock gate = new();
    readonly Dictionary<string, FailureWindow> failures = [];
    readonly Dictionary<string, TokenWindow> tokens = [];
    // Windows that ended and were replaced before a flush saw them; written with the next flush.
    readonly List<(string Key, FailureWindow Window)> ended = [];
    AuthOptions Options => options.Value;

    /// <summary>Counts a request with a valid token; when the token used up its window, how long until the next.</summary>
    public TimeSpan? AdmitToken(string tokenId)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (!tokens.TryGetValue(tokenId, out var window) || now >= window.Ends)
                tokens[tokenId] = window = new(now + Options.TokenWindow);
            return ++window.Requests > Options.MaxRequestsPerToken ? window.Ends - now : null;
        }
    }

    /// <summary>
    /// For a request without a valid token: when its address is locked out, counts it as refused and
    /// says how long until the window ends; null lets it on (to its 401).
    /// </summary>
    public TimeSpan? AdmitAnonymous(IPAddress? address)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            if (!failures.TryGetValue(Resolve(address), out var window) || now >= window.Ends || window.Failures < Options.MaxFailures)
                return null;
            window.Refused++;
            return window.Ends - now;
        }
    }

    /// <summary>Counts a failed authentication (its reason and the request it was) towards the address's window.</summary>
    public void RecordFailure(IPAddress? address, string reason, string request)
    {
        var now = time.GetUtcNow();
        lock (gate)
        {
            var key = Resolve(address);
            if (!failures.TryGetValue(key, out var window) || now >= window.Ends)
            {
                if (window is not null)
                    ended.Add((key, window));
                failures[key] = window = new(now, now + Options.FailureWindow, request);
            }
            window.Failures++;
            window.Reasons[reason] = window.Reasons.GetValueOrDefault(reason) + 1;
        }
    }

    /// <summary>Writes every window that has ended (all of them when <paramref name="all"/>) to the audit trail, one entry each.</summary>
    async Task FlushAsync(bool all, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<(string Key, FailureWindow Window)> due;
        lock (gate)
        {
            due = [.. ended, .. failures.Where(f => all || now >= f.Value.Ends).Select(f => (f.Key, f.Value))];
            ended.Clear();
            foreach (var (key, window) in due)
                if (failures.GetValueOrDefault(key) == window)
                    failures.Remove(key);
            foreach (var token in tokens.Where(t => now >= t.Value.Ends).Select(t => t.Key).ToList())
                tokens.Remove(token);
        }
        if (due.Count == 0)
            return;
        try
        {
            await audit.AppendAsync([.. due.Select(d => Describe(d.Key, d.Window))], cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database may be away for a moment; the windows are gone from memory, so the log keeps the count.
            logger.LogError(e, "Could not audit {Requests} requests without a valid token from {Addresses} addresses",
                due.Sum(d => d.Window.Failures + d.Window.Refused), due.Count);
        }
    }

    AuditRecord Describe(string key, FailureWindow window)
    {
        var reasons = string.Join("; ", window.Reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Value} × {r.Key}"));
        var refused = window.Refused == 0 ? "" : $", then {window.Refused} more refused with 429 after the limit of {Options.MaxFailures}";
        return new(RequestActor.Anonymous, AuditActions.AuthDenied, key, AuditOutcome.Unauthenticated, Client: key,
            Detail: $"{window.Failures + window.Refused} requests without a valid token from {key} between {Iso(window.Starts)} and {Iso(window.Ends)}: "
                + $"{window.Failures} answered 401 ({reasons}){refused}. First: {window.FirstRequest}.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Options.AuditFlushInterval, time);
        try
        {
            // Only the wait is cancelled: windows taken from memory are always written.
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await FlushAsync(all: false, CancellationToken.None);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>On shutdown the windows still open are written too, so no failure goes unaudited.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(all: true, CancellationToken.None);
    }

    /// <summary>The address's window key; beyond the tracked addresses, the shared one. Called under the lock.</summary>
    string Resolve(IPAddress? address)
    {
        var key = Key(address);
        return failures.ContainsKey(key) || failures.Count < Options.MaxTrackedAddresses ? key : OtherAddresses;
    }

    /// <summary>An IPv4 address (also when mapped into IPv6) as it is; an IPv6 address by its /64, which one host usually owns whole.</summary>
    static string Key(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }

    static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    sealed class FailureWindow(DateTimeOffset starts, DateTimeOffset ends, string firstRequest)
    {
        public DateTimeOffset Starts { get; } = starts;
        public DateTimeOffset Ends { get; } = ends;
        public string FirstRequest { get; } = firstRequest;
        public int Failures { get; set; }
        public int Refused { get; set; }
        public Dictionary<string, int> Reasons { get; } = [];
    }

    sealed class TokenWindow(DateTimeOffset ends)
    {
        public DateTimeOffset Ends { get; } = ends;
        public int Requests { get; set; }
    }
}
