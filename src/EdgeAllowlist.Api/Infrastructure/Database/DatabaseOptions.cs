using EdgeAllowlist.Api.Infrastructure.Configuration;
using Npgsql;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>Setting <c>Database:ConnectionString</c>: PostgreSQL when set, else SQLite in the data folder.</summary>
public sealed class DatabaseOptions : ISettings
{
    public static string Section => "Database";

    /// <summary>An Npgsql connection string; empty for the embedded SQLite database.</summary>
    public string? ConnectionString { get; set; }

    public IEnumerable<(string Key, string Rule)> Problems()
    {
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
