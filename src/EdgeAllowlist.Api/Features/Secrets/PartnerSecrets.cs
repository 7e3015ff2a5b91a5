using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Idempotency;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Rules.Layout;
using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Features.Secrets;

public sealed class SecretOptions : Infrastructure.Configuration.ISettings
{
    public static string Section => "Secrets";

    /// <summary>The CloudFront distribution domain put into <c>videoContentSourceUrl</c> when a request names none.</summary>
    public string? DistributionDomain { get; set; }

    /// <summary>How long a rotated-out secret keeps working when the rotate call names no grace.</summary>
    public TimeSpan DefaultGrace { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often expired secrets are deleted from the store.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<(string Key, string Rule)> Problems()
    {
        if (!string.IsNullOrEmpty(DistributionDomain) && !System.Text.RegularExpressions.Regex.IsMatch(DistributionDomain, PartnerSecrets.DomainPattern, System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            yield return (nameof(DistributionDomain), $"must be empty or a DNS name such as d111111abcdef8.cloudfront.net, without scheme or path (got '{DistributionDomain}')");
        if (DefaultGrace < TimeSpan.Zero || DefaultGrace > TimeSpan.FromSeconds(Rotate.Endpoint.MaxGraceSeconds))
            yield return (nameof(DefaultGrace), $"must be between 0 and 30 days (got {DefaultGrace})");
        if (SweepInterval <= TimeSpan.Zero) yield return (nameof(SweepInterval), $"must be positive (got {SweepInterval})");
    }
}

/// <summary>A partner secret as the store holds it: the hash in the key, the rest in the value.</summary>
sealed record StoredSecret(string Key, string Partner, string Id, string Scope, DateTimeOffset? Expires)
{
    public string Fingerprint => PartnerSecrets.Fingerprint(Key[KvsLayout.SecretPrefix.Length..]);

    public string Target => PartnerSecrets.Target(Partner, Id);

    public bool IsExpiredAt(DateTimeOffset now) => Expires <= now;

    /// <summary>Every readable <c>x:</c> entry; a malformed one (written outside the service) is left for people to see in the audit trail.</summary>
    public static IEnumerable<StoredSecret> All(IReadOnlyDictionary<string, string> state) =>
        state.Where(i => i.Key.StartsWith(KvsLayout.SecretPrefix, StringComparison.Ordinal))
            .Select(i => TryRead(i.Key, i.Value)).OfType<StoredSecret>();

    public static IEnumerable<StoredSecret> OfPartner(IReadOnlyDictionary<string, string> state, string partner) =>
        All(state).Where(s => s.Partner == partner);

    static StoredSecret? TryRead(string key, string value)
    {
        try
        {
            return JsonNode.Parse(value) is JsonObject o && o["p"]?.GetValue<string>() is { } p && o["id"]?.GetValue<string>() is { } id
                ? new(key, p, id, o["scope"]?.GetValue<string>() ?? "", KvsLayout.ReadExpiry(value))
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}

/// <summary>What the API shows of a secret: never the secret, only its fingerprint.</summary>
sealed record SecretView(string Id, string Partner, string Fingerprint, string Scope, DateTimeOffset? CreatedAt, string? CreatedBy, DateTimeOffset? ExpiresAt, bool Expired);

/// <summary>
/// Issue a secret for <paramref name="Partner"/>: a create, or with <paramref name="GraceForOthers"/>
/// a rotation. <paramref name="TokenId"/> is the token that asks, kept so that only it, or a token
/// covering it, may undo the rotation. <paramref name="Memory"/> keeps the new secret across attempts of one idempotent request.
/// </summary>
sealed record IssueSecret(Partner Partner, string Domain, DateTimeOffset? ExpiresAt, TimeSpan? GraceForOthers, Actor Actor, string? TokenId, IAttemptMemory Memory);

/// <summary>The answer to create and rotate: the one time the secret is shown.</summary>
sealed record IssuedSecret(
    string Id,
    string Partner,
    string Scope,
    string Secret,
    string Fingerprint,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    string VideoContentSourceUrl,
    IReadOnlyList<SecretView> RotatedOut);

/// <summary>
/// Issues partner secrets: <c>ealp_</c> + 256 random bits in base64url (the format the function
/// checks before any read). The clear secret exists only in the response; the KVS holds its
/// SHA-256 as the key, the database the id, partner, a fingerprint and who created it.
/// </summary>
sealed class PartnerSecrets(StoreWriter writer, IDatabase database, IdempotencyCleanup idempotency, TimeProvider time, IOptions<SecretOptions> options)
{
    public const string Prefix = "ealp_";
    public const string DomainPattern = @"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$";

    const int SecretBytes = 32;
    const int IdBytes = 9;

    public static string NewSecret() => Prefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Enough of the hash to tell secrets apart and to match a leaked one; useless to an attacker.</summary>
    public static string Fingerprint(string hash) => hash[..12];

    public static string Target(string partner, string id) => $"{partner}/{id}";

    /// <summary>
    /// The domain from the request, else the one the partner's newest live secret was issued for
    /// (a rotation keeps MediaTailor on the same distribution), else the setting; null when none names one.
    /// </summary>
    public async Task<string?> DistributionDomainAsync(string? requested, string partner, CancellationToken ct)
    {
        if (requested is not null)
            return requested.ToLowerInvariant();
        var live = StoredSecret.OfPartner((await writer.GetStateAsync(ct)).Items, partner).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        await using (var connection = await database.OpenAsync(ct))
        {
            var issued = await connection.QueryAsync("SELECT id, distribution_domain FROM partner_secrets WHERE partner = @p AND distribution_domain IS NOT NULL ORDER BY created_at DESC",
                r => (Id: r.GetString(0), Domain: r.GetString(1)), null, ct, ("p", partner));
            if (issued.FirstOrDefault(i => live.Contains(i.Id)) is { Domain: { } domain })
                return domain;
        }
        return options.Value.DistributionDomain is { Length: > 0 } configured ? configured.ToLowerInvariant() : null;
    }

    public const string DomainRequired = "distributionDomain is required: the partner has no live secret issued for a known domain; name the CloudFront distribution (or set Secrets:DistributionDomain).";

    public TimeSpan DefaultGrace => options.Value.DefaultGrace;

    /// <summary>
    /// Writes a new secret for the command's partner; with a grace for the others (a rotation) every
    /// other live secret of the partner expires that long from now, in the same UpdateKeys call, so
    /// there is no moment with neither or with the old one unbounded. The secret is random; the
    /// command's memory commits it (sealed) before the store write, so an attempt that takes over
    /// from one that died finishes with the same secret instead of leaving one nobody knows.
    /// </summary>
    public async Task<IssuedSecret> IssueAsync(IssueSecret command, CancellationToken ct)
    {
        var partner = command.Partner;
        var kept = await command.Memory.KeepOnceAsync(() =>
        {
            var newId = "sec_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(IdBytes));
            return new($"{NewSecret()} {newId}", Target(partner.Id, newId));
        }, ct);
        var (secret, id) = (kept.Value.Split(' ')[0], kept.Value.Split(' ')[1]);
        var hash = Hash(secret);
        var now = time.GetUtcNow();
        // Whole seconds, as the KVS holds them, so the comparison below matches what is stored.
        var othersExpire = command.GraceForOthers is { } grace ? DateTimeOffset.FromUnixTimeSeconds((now + grace).ToUnixTimeSeconds()) : (DateTimeOffset?)null;
        var write = new KeyWrite(KvsLayout.SecretKey(hash), KvsLayout.SecretValue(partner.Id, id, partner.Scope, command.ExpiresAt),
            othersExpire is null ? AuditActions.SecretCreate : AuditActions.SecretRotate, Target(partner.Id, id));
        // A secret already stored by the attempt that died is left as the store has it: rewriting it
        // would lift an expiry a later rotation gave it.
        var outcome = await writer.SubmitAsync(command.Actor, state =>
        [
            .. othersExpire is { } at
                ? StoredSecret.OfPartner(state, partner.Id).Where(s => s.Key != write.Key && (s.Expires is null || s.Expires > at))
                    .Select(s => new KeyWrite(s.Key, KvsLayout.SecretValue(s.Partner, s.Id, s.Scope, at), AuditActions.SecretRotateOut, s.Target))
                : [],
            .. state.ContainsKey(write.Key) ? [] : new[] { write },
        ], ct);
        // The key is in the store now; a caller who goes away must not leave it without its metadata.
        await using (var connection = await database.OpenAsync(CancellationToken.None))
            await connection.ExecuteAsync(
                "INSERT INTO partner_secrets (id, partner, fingerprint, created_at, created_by, created_by_token, distribution_domain) VALUES (@id, @p, @f, @c, @b, @t, @d) ON CONFLICT (id) DO NOTHING",
                null, CancellationToken.None, ("id", id), ("p", partner.Id), ("f", Fingerprint(hash)), ("c", now.ToUnixTimeMilliseconds()), ("b", command.Actor.Name),
                ("t", command.TokenId), ("d", command.Domain));
        var state = (await writer.GetStateAsync(ct)).Items;
        var rotatedTargets = outcome.Entries.Where(e => e.Action == AuditActions.SecretRotateOut).Select(e => e.Target).ToHashSet();
        var rotated = await ViewsAsync(StoredSecret.OfPartner(state, partner.Id).Where(s => rotatedTargets.Contains(s.Target)).ToList(), ct);
        var url = $"https://{command.Domain}/{KvsLayout.Marker(state)}/{secret}/";
        return new(id, partner.Id, partner.Scope, secret, Fingerprint(hash), now, command.ExpiresAt, url, rotated);
    }

    /// <summary>
    /// Deletes secrets from the store, and retires the Idempotency-Keys that issued them: a retry
    /// with such a key answers 409 instead of replaying, or re-issuing, a secret that was ended.
    /// </summary>
    public async Task<WriteOutcome> EndAsync(Actor actor, string action, Func<IReadOnlyDictionary<string, string>, IEnumerable<StoredSecret>> select, CancellationToken ct)
    {
        var outcome = await writer.SubmitAsync(actor, state => [.. select(state).Select(s => new KeyWrite(s.Key, null, action, s.Target))], ct);
        await idempotency.RetireAsync([.. outcome.Entries.Select(e => e.Target)], CancellationToken.None);
        return outcome;
    }

    /// <summary>
    /// Deletes the secret a rotation issued and writes back, for each secret it rotated out, the
    /// value the audit trail recorded before the rotation, as one store change. A previous secret
    /// whose value is no longer what the rotation wrote has been changed since and is left alone.
    /// </summary>
    public async Task<WriteOutcome> UndoRotationAsync(Actor actor, string partner, string id, IReadOnlyList<AuditEntry> rotatedOut, CancellationToken ct)
    {
        const string action = AuditActions.SecretRotationUndo;
        var outcome = await writer.SubmitAsync(actor, state =>
        {
            var stored = StoredSecret.OfPartner(state, partner).ToList();
            var issued = stored.FirstOrDefault(s => s.Id == id)
                ?? throw new MutationRejectedException(404, "id", $"Partner '{partner}' has no secret '{id}' in the store (already revoked?).");
            return
            [
                new KeyWrite(issued.Key, null, action, issued.Target),
                .. rotatedOut
                    .Select(e => (Entry: e, Secret: stored.FirstOrDefault(s => s.Target == e.Target)))
                    .Where(p => p.Secret is not null && p.Entry.Before is not null && state.GetValueOrDefault(p.Secret.Key) == p.Entry.After)
                    .Select(p => new KeyWrite(p.Secret!.Key, p.Entry.Before, action, p.Secret.Target)),
            ];
        }, ct);
        await idempotency.RetireAsync([Target(partner, id)], CancellationToken.None);
        return outcome;
    }

    /// <summary>The id of the token that issued the secret; null when unknown (issued before it was kept, or outside the service).</summary>
    public async Task<string?> IssuedByTokenAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ScalarAsync("SELECT created_by_token FROM partner_secrets WHERE id = @id", null, ct, ("id", id)) as string;
    }

    /// <summary>The live secrets (present in the store) with the metadata the database keeps.</summary>
    public async Task<IReadOnlyList<SecretView>> ViewsAsync(IReadOnlyList<StoredSecret> secrets, CancellationToken ct)
    {
        if (secrets.Count == 0)
            return [];
        await using var connection = await database.OpenAsync(ct);
        var names = secrets.Select((_, i) => $"@s{i}");
        var rows = await connection.QueryAsync($"SELECT id, created_at, created_by FROM partner_secrets WHERE id IN ({string.Join(',', names)})",
            r => (Id: r.GetString(0), At: DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), By: r.GetString(2)),
            null, ct, [.. secrets.Select((s, i) => ($"s{i}", (object?)s.Id))]);
        var metadata = rows.ToDictionary(r => r.Id);
        var now = time.GetUtcNow();
        return [.. secrets
            .Select(s =>
            {
                // A secret written outside the service has no metadata; it is still listed so it can be revoked.
                var known = metadata.TryGetValue(s.Id, out var m);
                return new SecretView(s.Id, s.Partner, s.Fingerprint, s.Scope, known ? m.At : null, known ? m.By : null, s.Expires, s.IsExpiredAt(now));
            })
            .OrderBy(v => v.CreatedAt).ThenBy(v => v.Id, StringComparer.Ordinal)];
    }
}

static class SecretRules
{
    public static IRuleBuilderOptions<T, string?> ValidDistributionDomain<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(d => d is null || System.Text.RegularExpressions.Regex.IsMatch(d, PartnerSecrets.DomainPattern, System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            .WithMessage("distributionDomain must be a DNS name such as d111111abcdef8.cloudfront.net (no scheme, port or path).");
}
