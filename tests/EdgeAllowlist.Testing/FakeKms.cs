using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeAllowlist.Testing;

/// <summary>
/// AWS KMS on 127.0.0.1 and a random port, speaking its JSON 1.1 protocol (<c>X-Amz-Target:
/// TrentService.&lt;Action&gt;</c>) for the two calls an audit signer makes: <c>GetPublicKey</c> and
/// <c>Sign</c> (ECDSA_SHA_256 over a DIGEST). Every call must carry a SigV4 signature by
/// <c>caller</c>'s keys for service <c>kms</c>, which the fake verifies; refusals have KMS's error shape.
/// The key is a real P-256 key made here, so a signature it returns verifies with its public key.
/// </summary>
public sealed class FakeKms : IAsyncDisposable
{
    public const string Region = "us-east-1";
    public const string KeyArn = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    readonly WebApplication app;
    readonly ECDsa key;

    FakeKms(WebApplication app, Uri endpoint, ECDsa key)
    {
        this.app = app;
        Endpoint = endpoint;
        this.key = key;
    }

    public Uri Endpoint { get; }

    /// <summary>Every call as <c>Action</c> plus its outcome (<c>ok</c> or the error type).</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    /// <summary>The key's public half, DER SubjectPublicKeyInfo.</summary>
    public byte[] PublicKey => key.ExportSubjectPublicKeyInfo();

    public static async Task<FakeKms> StartAsync(ImmutableCredentials caller)
    {
        FakeKms? kms = null;
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var verifier = new SigV4Verifier(caller, Region, "kms");
        var (app, address) = await LoopbackHost.StartAsync(app => app.MapPost("/", async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var action = context.Request.Headers["X-Amz-Target"].ToString() is var target && target.StartsWith("TrentService.", StringComparison.Ordinal) ? target["TrentService.".Length..] : "";
            JsonObject? request = null;
            try
            {
                request = JsonNode.Parse(body)?.AsObject();
            }
            catch (JsonException)
            {
            }
            string? Field(string name) => request?[name]?.GetValue<string>();
            var keyId = Field("KeyId");
            var refusal = action switch
            {
                _ when verifier.Problem(context, body) is { } problem => ("InvalidSignatureException", $"The request signature we calculated does not match the signature you provided. {problem}"),
                not ("Sign" or "GetPublicKey") => ("UnknownOperationException", $"Unknown operation {target}"),
                _ when request is null => ("SerializationException", "The body is not JSON"),
                _ when keyId != KeyArn && keyId != KeyArn.Split('/')[1] => ("NotFoundException", $"Key '{keyId}' does not exist"),
                "Sign" when Field("SigningAlgorithm") != "ECDSA_SHA_256" => ("InvalidKeyUsageException", $"{Field("SigningAlgorithm")} is not valid for this key"),
                "Sign" when Field("MessageType") != "DIGEST" || Convert.FromBase64String(Field("Message") ?? "").Length != 32 => ("ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256."),
                _ => default((string Type, string Message)?),
            };
            kms!.Calls.Enqueue($"{action} {refusal?.Type ?? "ok"}");
            context.Response.ContentType = "application/x-amz-json-1.1";
            if (refusal is var (type, message))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
                await context.Response.WriteAsync(new JsonObject { ["__type"] = type, ["message"] = message }.ToJsonString());
                return;
            }
            var answer = action == "Sign"
                ? new JsonObject
                {
                    ["KeyId"] = KeyArn,
                    ["Signature"] = Convert.ToBase64String(key.SignHash(Convert.FromBase64String(Field("Message")!), DSASignatureFormat.Rfc3279DerSequence)),
                    ["SigningAlgorithm"] = "ECDSA_SHA_256",
                }
                : new JsonObject
                {
                    ["KeyId"] = KeyArn,
                    ["PublicKey"] = Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()),
                    ["KeySpec"] = "ECC_NIST_P256",
                    ["CustomerMasterKeySpec"] = "ECC_NIST_P256",
                    ["KeyUsage"] = "SIGN_VERIFY",
                    ["SigningAlgorithms"] = new JsonArray("ECDSA_SHA_256"),
                };
            context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
            await context.Response.WriteAsync(answer.ToJsonString());
        }));
        kms = new(app, address, key);
        return kms;
    }

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        key.Dispose();
    }
}
