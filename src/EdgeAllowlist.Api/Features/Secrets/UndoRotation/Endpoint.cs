using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Store;
using EdgeAllowlist.Api.Infrastructure.Writer;
using EdgeAllowlist.Audit;
using EdgeAllowlist.Rules.Layout;

namespace EdgeAllowlist.Api.Features.Secrets.UndoRotation;

/// <summary>
/// Takes back a rotation whose later steps failed (the new secret never reached MediaTailor): the
/// new secret leaves the store and the partner's previous secrets get back the expiry they had
/// before the rotation, so nothing is orphaned and the old secret does not run out at the end of a
/// grace period started for nothing. Allowed, among tokens that may rotate the partner, to the token
/// that rotated or one covering it, and only within the grace: later, the old secrets have run out
/// and an undo would give a perhaps leaked secret back its unlimited life.
/// </summary>
sealed class Endpoint(PartnerSecrets secrets, ApiTokenStore tokens, AuditTrail audit, TimeProvider time) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("/partners/{partner}/secrets/{id}/undo-rotation");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Description(b => b.ProducesProblemDetails(404).ProducesProblemDetails(409));
        Summary(s =>
        {
            s.Summary = "Undo the rotation that issued secret {id}: revoke it and give the secrets it rotated out their previous expiry back.";
            s.Description = "Only a secret issued by a rotation, only by the token that rotated or one holding every scope (and partner) of it, "
                + "and only while the rotated-out secrets are in their grace period. A previous secret changed since the rotation (revoked, rotated again) "
                + $"is left as it is. Audited as {AuditActions.SecretRotationUndo}.";
            s.Responses[403] = "The token neither rotated nor covers the token that did, or may not rotate this partner.";
            s.Responses[409] = "The grace period of the rotated-out secrets is over.";
        });
    }

    public override async Task HandleAsync(Request req, CancellationToken ct)
    {
        if (!User.MayRotateSecretsOf(req.Partner))
        {
            await HttpContext.ForbidAsync(audit, $"The token may rotate secrets only of other partners, not of '{req.Partner}'.", ct);
            return;
        }
        var target = PartnerSecrets.Target(req.Partner, req.Id);
        var issued = (await audit.QueryAsync(new AuditFilter(Action: AuditActions.SecretRotate, Target: target, Outcome: AuditOutcome.Success), 1, ct)).FirstOrDefault();
        if (issued is null)
            ThrowError(r => r.Id, $"Secret '{req.Id}' of partner '{req.Partner}' was not issued by a rotation.", 404);
        // The rotation wrote the new secret and rotated the others out in one change, under one request id.
        var rotatedOut = (await audit.QueryAsync(new AuditFilter(From: issued!.Time, Action: AuditActions.SecretRotateOut, Outcome: AuditOutcome.Success, TargetPrefix: req.Partner + "/"), 1000, ct))
            .Where(e => e.RequestId == issued.RequestId)
            .ToList();
        if (await RefusalAsync(req.Id, ct) is { } refusal)
        {
            await HttpContext.ForbidAsync(audit, refusal, ct);
            return;
        }
        // Each rotated-out secret got the same end of grace; after it the old secrets are out, and
        // an undo would revive one (perhaps the leaked one the rotation was for) without limit.
        var now = time.GetUtcNow();
        if (rotatedOut.Select(e => e.After is null ? null : KvsLayout.ReadExpiry(e.After)).Where(at => at <= now).Min() is { } ended)
            ThrowError(r => r.Id, $"The rotation's grace period ended at {ended.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}; the secrets it rotated out are no longer in grace, so it cannot be undone.", 409);
        var outcome = await secrets.UndoRotationAsync(HttpContext.ToActor(), req.Partner, req.Id, rotatedOut, ct);
        await Send.OkAsync(new(req.Id, [.. outcome.Entries.Where(e => e.Target != target).Select(e => e.Target[(req.Partner.Length + 1)..])], outcome.ETag), ct);
    }

    /// <summary>
    /// Null when this token rotated the secret, or holds every scope and partner of the token that did;
    /// a rotation by a token no longer known (issued before tokens were recorded) needs every scope.
    /// </summary>
    async Task<string?> RefusalAsync(string id, CancellationToken ct)
    {
        var rotatorId = await secrets.IssuedByTokenAsync(id, ct);
        if (rotatorId is not null && rotatorId == User.TokenId())
            return null;
        var rotator = rotatorId is null ? null : await tokens.FindAsync(rotatorId, ct);
        var covers = TokenLattice.DoesNotCover(User, rotator is null ? new(ApiScopes.All, [], null) : TokenLattice.Grant.Of(rotator), "undo a rotation");
        return covers is null ? null
            : rotator is null ? $"The token that rotated is not known, so only a token holding every scope may undo: {covers}"
            : $"Only token {rotator.Id} ({rotator.Name}), which rotated, or a token holding its every scope and partner may undo: {covers}";
    }
}

sealed class Request : PartnerRoute
{
    /// <summary>The id of the secret the rotation issued.</summary>
    public string Id { get; init; } = "";

    internal sealed class Validator : Validator<Request>
    {
        public Validator()
        {
            AddRules(this);
            RuleFor(r => r.Id).ValidSecretId();
        }
    }
}

/// <param name="Revoked">The secret the rotation issued, now out of the store.</param>
/// <param name="Restored">Ids of the previous secrets whose expiry is back to what it was.</param>
sealed record Response(string Revoked, IReadOnlyList<string> Restored, string ETag);
