using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;

namespace EdgeAllowlist.Api.Features.Partners;

/// <summary>A server-side partner (e.g. MediaTailor) and the scope its secrets carry into the KVS.</summary>
sealed record Partner(string Id, string Scope, string? Description, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>
/// Partners live in the database only: the function never reads them, it reads the partner id and
/// scope copied into each <c>x:</c> value.
/// </summary>
sealed class PartnerDirectory(IDatabase database, AuditTrail audit, TimeProvider time)
{
    public const string ScopeManifests = Rules.Partners.PartnerRules.ScopeManifests;
    public const string ScopeAll = Rules.Partners.PartnerRules.ScopeAll;
    public const string IdPattern = Rules.Partners.PartnerRules.IdPattern;

    const string Columns = "id, scope, description, created_at, created_by";

    /// <summary>Creates and audits in one transaction; null when the id is taken.</summary>
    public Task<Partner?> CreateAsync(string id, string scope, string? description, Actor actor, CancellationToken ct) =>
        database.WriteLockedAsync(async (connection, transaction) =>
        {
            if (await connection.ScalarAsync("SELECT 1 FROM partners WHERE id = @id", transaction, ct, ("id", id)) is not null)
                return null;
            var partner = new Partner(id, scope, description, time.GetUtcNow(), actor.Name);
            await connection.ExecuteAsync(
                $"INSERT INTO partners ({Columns}) VALUES (@id, @scope, @description, @created, @by)", transaction, ct,
                ("id", id), ("scope", scope), ("description", description), ("created", partner.CreatedAt.ToUnixTimeMilliseconds()), ("by", actor.Name));
            await audit.AppendAsync(connection, transaction, [new AuditRecord(actor.Name, AuditActions.PartnerCreate, id, AuditOutcome.Success,
                After: System.Text.Json.JsonSerializer.Serialize(new { scope, description }), RequestId: actor.RequestId, Client: actor.Client)], ct);
            return partner;
        }, ct);

    public async Task<Partner?> FindAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync($"SELECT {Columns} FROM partners WHERE id = @id", Read, null, ct, ("id", id));
        return rows.FirstOrDefault();
    }

    public async Task<IReadOnlyList<Partner>> ListAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QueryAsync($"SELECT {Columns} FROM partners ORDER BY id", Read, null, ct);
    }

    static Partner Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.NullableString(2), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)), r.GetString(4));
}

/// <summary>Routes that name one partner.</summary>
class PartnerRoute
{
    /// <summary>The partner id, e.g. mediatailor.</summary>
    public string Partner { get; init; } = "";

    internal static void AddRules<T>(AbstractValidator<T> validator) where T : PartnerRoute =>
        validator.RuleFor(r => r.Partner).ValidPartnerId();
}

static class PartnerRouteRules
{
    public static IRuleBuilderOptionsConditions<T, string> ValidPartnerId<T>(this IRuleBuilder<T, string> rule) =>
        rule.Custom((id, context) =>
        {
            foreach (var problem in Rules.Partners.PartnerRules.IdProblems(id, context.DisplayName))
                context.AddFailure(problem);
        });

    /// <summary>A secret id as <see cref="Secrets.PartnerSecrets"/> issues them (<c>sec_</c> and base64url), for the routes that name one.</summary>
    public static IRuleBuilderOptions<T, string> ValidSecretId<T>(this IRuleBuilder<T, string> rule) =>
        rule.Matches("^sec_[A-Za-z0-9_-]{1,32}$").WithMessage("id must be a secret id such as sec_AbCdEfGhIjKl.");
}
