using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace EdgeAllowlist.Aws.Signing;

/// <summary>
/// Signs a request with classic SigV4 (AWS4-HMAC-SHA256) for one signing region, e.g. the CloudFront
/// control plane (<c>cloudfront</c>, <c>us-east-1</c>). The HMAC work is AWSSDK.Core's signer.
/// </summary>
public static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <param name="body">The exact bytes the request content will send (empty for none).</param>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ImmutableCredentials credentials, string region, string service, DateTime signedAtUtc)
    {
        var canonical = SigningHeaders.Prepare(request, body, credentials.Token, signedAtUtc, regionSet: null);
        var result = AWS4Signer.ComputeSignature(credentials, region, signedAtUtc, service, canonical.SignedHeaders, canonical.Text);
        request.Headers.TryAddWithoutValidation("Authorization", $"{Algorithm} Credential={credentials.AccessKey}/{result.Scope}, SignedHeaders={canonical.SignedHeaders}, Signature={result.Signature}");
    }
}
