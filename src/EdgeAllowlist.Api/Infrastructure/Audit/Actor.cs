namespace EdgeAllowlist.Api.Infrastructure.Audit;

/// <summary>Who asked for a change, for the audit trail; <see cref="Force"/>: write even when expectations would flip (<c>?force=true</c>).</summary>
public sealed record Actor(string Name, string? RequestId, string? Client, bool Force = false);
