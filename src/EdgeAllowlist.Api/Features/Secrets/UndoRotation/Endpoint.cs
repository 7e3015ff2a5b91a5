using EdgeAllowlist.Api.Features.Partners;
using EdgeAllowlist.Api.Infrastructure.Audit;
using EdgeAllowlist.Api.Infrastructure.Auth;
using EdgeAllowlist.Api.Infrastructure.Writer;

namespace EdgeAllowlist.Api.Features.Secrets.UndoRotation;

/// <summary>
/// Takes back a rotation whose later steps failed (the new secret never reached MediaTailor): the
/// new secret leaves the store and the partner's previous secrets get back the expiry they had
/// before the rotation, so nothing is orphaned and the old secret does not run out at the end of a
/// grace period started for nothing. Allowed to whoever may rotate the partner.
/// </summary>
sealed class Endpoint(PartnerSecrets secrets, AuditTrail audit) : Endpoint<Request, Response>
{
    public override void Configure()
    {
        Post("/partners/{partner}/secrets/{id}/undo-rotation");
        Permissions(ApiScopes.SecretsAdmin, ApiScopes.SecretsRotate);
        Description(b => b.ProducesProblemDetails(404));
        Summary(s =>
        {
            s.Summary = "Undo the rotation that issued secret {id}: revoke it and give the secrets it rotated out their previous expiry back.";
            s.Description = "Only a secret issued by a rotation. A previous secret changed since the rotation (revoked, rotated again) is left as it is. Audited as secret.rotation-undo.";
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
        var issued = (await audit.QueryAsync(new AuditFilter(Action: "secret.rotate", Target: target, Outcome: AuditOutcome.Success), 1, ct)).FirstOrDefault();
        if (issued is null)
            ThrowError(r => r.Id, $"Secret '{req.Id}' of partner '{req.Partner}' was not issued by a rotation.", 404);
        // The rotation wrote the new secret and rotated the others out in one change, under one request id.
        var rotatedOut = (await audit.QueryAsync(new AuditFilter(From: issued!.Time, Action: "secret.rotate-out", Outcome: AuditOutcome.Success), 1000, ct))
            .Where(e => e.RequestId == issued.RequestId && e.Target.StartsWith(req.Partner + "/", StringComparison.Ordinal))
            .ToList();
        var outcome = await secrets.UndoRotationAsync(HttpContext.ToActor(), req.Partner, req.Id, rotatedOut, ct);
        await Send.OkAsync(new(req.Id, [.. outcome.Entries.Where(e => e.Target != target).Select(e => e.Target[(req.Partner.Length + 1)..])], outcome.ETag), ct);
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
