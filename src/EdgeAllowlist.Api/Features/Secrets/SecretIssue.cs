using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Features.Settings;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Secrets;

/// <summary>A new secret, in the only response that ever shows it.</summary>
sealed record IssuedSecret(
    string Secret,
    SecretView Metadata,
    string PathPrefix,
    string? VideoContentSourceUrlPrefix,
    IReadOnlyList<SecretView> Expiring);

sealed record SecretView(string Id, string Partner, string Fingerprint, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, string State)
{
    public static SecretView From(SecretMetadata m, DateTimeOffset now) => new(m.Id, m.Partner, m.Fingerprint, m.CreatedAt, m.CreatedBy, m.ExpiresAt, m.RevokedAt, m.State(now));
}

/// <summary>Creating and rotating share this: metadata first, then one writer change with the new key and any shortened old ones.</summary>
static class SecretIssue
{
    public static async Task<IssuedSecret> IssueAsync(this IValidationErrors endpoint, HttpContext context, StoreWriter writer, PartnerStore partners,
        Partner partner, DateTimeOffset? expires, TimeSpan? grace, string? distributionDomain, DateTimeOffset now, CancellationToken ct)
    {
        var secret = PartnerStore.NewSecret();
        var hash = PartnerStore.Hash(secret);
        var metadata = new SecretMetadata(PartnerStore.NewSecretId(), partner.Id, PartnerStore.Fingerprint(hash), now, context.User.Identity?.Name ?? "", expires, null);
        var expiring = new List<(SecretMetadata Metadata, string Hash)>();
        if (grace is { } g)
            expiring = [.. (await partners.SecretsAsync(partner.Id, ct)).Where(s => s.Metadata.RevokedAt is null && !(s.Metadata.ExpiresAt <= now + g))];
        var graceEnd = grace is null ? (DateTimeOffset?)null : now + grace.Value;
        await partners.AddSecretAsync(metadata, hash, ct);
        try
        {
            await endpoint.SubmitOrRejectAsync(writer, context, state =>
            [
                new KeyWrite(KvsLayout.SecretKey(hash), KvsLayout.SecretValue(partner.Id, metadata.Id, partner.Scope, expires), "secret.create", $"{partner.Id}/{metadata.Id}"),
                .. expiring.Where(s => state.ContainsKey(KvsLayout.SecretKey(s.Hash))).Select(s => new KeyWrite(
                    KvsLayout.SecretKey(s.Hash), KvsLayout.SecretValue(partner.Id, s.Metadata.Id, partner.Scope, graceEnd), "secret.expire", $"{partner.Id}/{s.Metadata.Id}")),
            ], ct);
        }
        catch
        {
            await partners.ForgetSecretAsync(metadata.Id, CancellationToken.None);
            throw;
        }
        if (graceEnd is { } end)
            await partners.SetExpiryAsync(expiring.Select(s => s.Metadata.Id), end, ct);
        var marker = EdgePolicy.From((await writer.GetStateAsync(ct)).Items.GetValueOrDefault(KvsLayout.ConfigKey)).SecretMarker;
        var pathPrefix = $"/{marker}/{secret}";
        return new(secret, SecretView.From(metadata, now), pathPrefix,
            distributionDomain is null ? null : $"https://{distributionDomain}{pathPrefix}",
            [.. expiring.Select(s => SecretView.From(s.Metadata with { ExpiresAt = graceEnd }, now))]);
    }
}
