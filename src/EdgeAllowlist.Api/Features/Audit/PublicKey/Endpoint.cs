using EdgeAllowlist.Api.Infrastructure.Audit.Signing;
using EdgeAllowlist.Api.Infrastructure.Auth;

namespace EdgeAllowlist.Api.Features.Audit.PublicKey;

sealed class Endpoint(AuditSigning signing) : EndpointWithoutRequest<Response>
{
    public override void Configure()
    {
        Get("/audit/public-key");
        Permissions(ApiScopes.AuditRead);
        Summary(s => s.Summary = "The public key that verifies the audit checkpoints (ECDSA P-256, SHA-256, DER signatures), as PEM, with its id (sha256 of the DER key) and where the private key is kept (local-file or aws-kms). Save publicKeyPem to verify an export offline: edge-allowlist audit verify --file export.ndjson --public-key key.pem.");
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var key = await signing.KeyAsync(ct);
        await Send.OkAsync(new(key.KeyId, "ECDSA_SHA_256", signing.Kind, key.Pem), ct);
    }
}

sealed record Response(string KeyId, string Algorithm, string Signer, string PublicKeyPem);
