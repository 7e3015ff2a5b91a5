namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>The few ADO.NET helpers every query needs; both providers accept <c>@name</c> parameters.</summary>
public static class DbExtensions
{
    public static DbCommand Command(this DbConnection connection, string sql, DbTransaction? transaction, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    public static async Task<int> ExecuteAsync(this DbConnection connection, string sql, DbTransaction? transaction = null, CancellationToken cancellationToken = default, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<object?> ScalarAsync(this DbConnection connection, string sql, DbTransaction? transaction = null, CancellationToken cancellationToken = default, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is DBNull ? null : value;
    }

    public static async Task<List<T>> QueryAsync<T>(this DbConnection connection, string sql, Func<DbDataReader, T> map, DbTransaction? transaction = null, CancellationToken cancellationToken = default, params (string Name, object? Value)[] parameters)
    {
        await using var command = connection.Command(sql, transaction, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(map(reader));
        return rows;
    }

    public static string? NullableString(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableInt64(this DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}
