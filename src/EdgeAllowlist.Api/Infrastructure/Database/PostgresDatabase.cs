using Npgsql;

namespace EdgeAllowlist.Api.Infrastructure.Database;

/// <summary>PostgreSQL, for several instances that share one store and one audit trail.</summary>
public sealed class PostgresDatabase(string connectionString) : LockingDatabase, IAsyncDisposable
{
    // Any fixed number works; it only has to be the same in every instance of this service.
    const long WriterLockId = 0x4544_4745_414C_4C57; // "EDGEALLW"

    readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(connectionString);

    public override bool IsShared => true;

    public override string Provider => "postgresql";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        await dataSource.OpenConnectionAsync(cancellationToken);

    protected override async Task<DbTransaction> BeginLockedAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Released by commit or rollback, so a crashed writer never leaves the lock behind.
        await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@id)", transaction, cancellationToken, ("id", WriterLockId));
        return transaction;
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
