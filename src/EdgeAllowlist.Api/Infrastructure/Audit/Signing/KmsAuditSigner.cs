using Amazon;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using EdgeAllowlist.Audit.Signing;
using EdgeAllowlist.Aws;

namespace EdgeAllowlist.Api.Infrastructure.Audit.Signing;

/// <summary>
/// An asymmetric AWS KMS key (key spec ECC_NIST_P256, usage SIGN_VERIFY): the private key never
/// leaves KMS, and every signature is a CloudTrail-logged <c>Sign</c> call. Credentials come from
/// the project's chain (<see cref="AwsCredentialChain"/>), as for the KVS.
/// </summary>
public sealed class KmsAuditSigner(AuditOptions.KmsOptions options, AWSCredentials? credentials = null) : IAuditSigner, IDisposable
{
    readonly SemaphoreSlim gate = new(1, 1);
    AmazonKeyManagementServiceClient? client;
    byte[]? publicKey;

    public string Kind => "aws-kms";

    public async Task<byte[]> PublicKeyAsync(CancellationToken cancellationToken)
    {
        if (publicKey is { } known)
            return known;
        var answer = await (await ClientAsync(cancellationToken)).GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = options.KeyId }, cancellationToken);
        if (answer.KeySpec != KeySpec.ECC_NIST_P256 || answer.KeyUsage != KeyUsageType.SIGN_VERIFY)
            throw new InvalidOperationException($"The KMS key {options.KeyId} is {answer.KeySpec} for {answer.KeyUsage}; audit checkpoints need an ECC_NIST_P256 key for SIGN_VERIFY.");
        return publicKey = answer.PublicKey.ToArray();
    }

    public async Task<byte[]> SignDigestAsync(byte[] digest, CancellationToken cancellationToken)
    {
        var answer = await (await ClientAsync(cancellationToken)).SignAsync(new SignRequest
        {
            KeyId = options.KeyId,
            Message = new MemoryStream(digest),
            MessageType = MessageType.DIGEST,
            SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
        }, cancellationToken);
        return answer.Signature.ToArray();
    }

    async Task<AmazonKeyManagementServiceClient> ClientAsync(CancellationToken cancellationToken)
    {
        if (client is { } made)
            return made;
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (client is not null)
                return client;
            var config = new AmazonKeyManagementServiceConfig { MaxErrorRetry = 3, Timeout = TimeSpan.FromSeconds(10) };
            if (options.Region is { Length: > 0 } region)
            {
                config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
                config.AuthenticationRegion = region;
            }
            if (options.ServiceUrl is { Length: > 0 } url)
                config.ServiceURL = url;
            return client = new AmazonKeyManagementServiceClient(credentials ?? await AwsCredentialChain.DefaultAsync(), config);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        client?.Dispose();
        gate.Dispose();
    }
}
