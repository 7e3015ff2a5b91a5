using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Auth;

public sealed class AuthOptions
{
    /// <summary>A token used instead of a generated one for the first admin (env EDGE_ALLOWLIST_BOOTSTRAP_TOKEN).</summary>
    public string? BootstrapToken { get; set; }

    /// <summary>Failed authentications from one client address allowed per window before it gets 429s.</summary>
    public int MaxFailures { get; set; } = 20;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// Counts failed authentications per client address in a fixed window and refuses an address that
/// exceeded the limit until its window ends, so tokens cannot be guessed at speed. In memory: each
/// instance counts on its own, which still bounds the guessing rate.
/// </summary>
public sealed class FailedAuthenticationLimiter(IOptions<AuthOptions> options, TimeProvider time)
{
    readonly ConcurrentDictionary<IPAddress, Window> windows = new();

    /// <summary>When the address may try again, or null if it may now.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !windows.TryGetValue(address, out var window))
            return null;
        var now = time.GetUtcNow();
        if (now >= window.Ends)
        {
            windows.TryRemove(new(address, window));
            return null;
        }
        return window.Failures >= options.Value.MaxFailures ? window.Ends - now : null;
    }

    public void RecordFailure(IPAddress? address)
    {
        if (address is null)
            return;
        var now = time.GetUtcNow();
        windows.AddOrUpdate(address,
            _ => new(now + options.Value.FailureWindow, 1),
            (_, w) => now >= w.Ends ? new(now + options.Value.FailureWindow, 1) : w with { Failures = w.Failures + 1 });
    }

    sealed record Window(DateTimeOffset Ends, int Failures);
}
