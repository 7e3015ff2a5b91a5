using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace EdgeAllowlist.Aws.Signing;

/// <summary>
/// Signs a request with SigV4a (AWS4-ECDSA-P256-SHA256), as the KVS data plane requires: region set
/// <c>*</c>, scope <c>date/service/aws4_request</c>. The ECDSA work is AWSSDK.Core's managed signer.
/// </summary>
public static class SigV4aSigner
{
    public const string Algorithm = "AWS4-ECDSA-P256-SHA256";
    public const string GlobalRegionSet = "*";

    /// <param name="body">The exact bytes the request content will send (empty for none).</param>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, ImmutableCredentials credentials, string service, DateTime signedAtUtc, string regionSet = GlobalRegionSet)
    {
        var canonical = SigningHeaders.Prepare(request, body, credentials.Token, signedAtUtc, regionSet);
        var result = AWS4aSigner.ComputeSignature(credentials, regionSet, signedAtUtc, service, canonical.SignedHeaders, canonical.Text);
        request.Headers.TryAddWithoutValidation("Authorization", $"{Algorithm} Credential={credentials.AccessKey}/{result.Scope}, SignedHeaders={canonical.SignedHeaders}, Signature={result.Signature}");
    }

    /// <summary>The string the ECDSA signature covers.</summary>
    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{CanonicalRequest.HashHex(canonicalRequest)}";
}
