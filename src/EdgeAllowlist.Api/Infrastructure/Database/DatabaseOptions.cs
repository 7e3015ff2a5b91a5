using EdgeAllowlist.Api.Infrastructure.Configuration;
using Npgsql;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>Setting <c>Database:ConnectionString</c>: PostgreSQL when set, else SQLite in the data folder.</summary>
public sealed class DatabaseOptions : ISettings
{
    public static string Section => "Database";

    /// <summary>An Npgsql connection string; empty for the embedded SQLite database.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a start waits for the first schema check before it listens anyway (with the database away, answering 503).</summary>
    public TimeSpan StartWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest pause between schema checks while the database is away at start (the first is 250 ms, doubling up to this).</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// PostgreSQL only: how long the pool may go without a confirmed round trip before a connection
    /// it hands out is checked with <c>SELECT 1</c>; zero checks every one. This guards against a
    /// server lost without closing its sessions; a restart is caught at once by a watch connection.
    /// </summary>
    public TimeSpan PoolCheckAfterQuiet { get; set; } = TimeSpan.FromMilliseconds(500);

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (StartWait < TimeSpan.Zero) yield return (nameof(StartWait), $"must not be negative (got {StartWait})");
        if (MaxRetryBackoff <= TimeSpan.Zero) yield return (nameof(MaxRetryBackoff), $"must be positive (got {MaxRetryBackoff})");
        if (PoolCheckAfterQuiet < TimeSpan.Zero) yield return (nameof(PoolCheckAfterQuiet), $"must not be negative (got {PoolCheckAfterQuiet})");
        if (string.IsNullOrEmpty(ConnectionString)) yield break;
        string? refused = null;
        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the keyword, never the password.
            refused = e.Message;
        }
        if (refused is not null)
            yield return (nameof(ConnectionString), $"must be an Npgsql connection string (Host=…;Database=…;Username=…) or empty for SQLite: {refused}");
    }
}
