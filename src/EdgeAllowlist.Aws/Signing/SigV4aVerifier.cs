using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime.Internal.Auth;

namespace EdgeAllowlist.Aws.Signing;

/// <summary>The outcome of checking one request's signature; the error fields follow AWS's 403 answers.</summary>
public sealed record SignatureCheck(bool IsValid, string? AccessKeyId, string ErrorCode, string Message)
{
    public static SignatureCheck Valid(string accessKeyId) => new(true, accessKeyId, "", "");

    public static SignatureCheck InvalidSignature(string message) => new(false, null, "InvalidSignatureException", message);

    public static SignatureCheck AccessDenied(string message) => new(false, null, "AccessDeniedException", message);
}

/// <summary>
/// Verifies SigV4a signatures the way the service does: parse the Authorization header, rebuild the
/// canonical request from what arrived, derive the signer's public key from the secret on file
/// (AWSSDK.Core's key derivation) and check the DER ECDSA signature with .NET's ECDsa.
/// </summary>
public sealed class SigV4aVerifier(
    Func<string, string?> secretForAccessKey,
    TimeProvider clock,
    string service,
    string regionSet = SigV4aSigner.GlobalRegionSet,
    bool normalizePath = true)
{
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(15);

    readonly ConcurrentDictionary<(string AccessKeyId, string Secret), ECParameters> publicKeys = new();

    /// <param name="rawTarget">Path and query exactly as received.</param>
    /// <param name="body">The exact bytes received.</param>
    public SignatureCheck Verify(string method, string rawTarget, IReadOnlyList<HeaderLine> headers, ReadOnlySpan<byte> body)
    {
        var authorization = Single(headers, "Authorization");
        if (authorization is null) return SignatureCheck.AccessDenied("Missing Authentication Token");
        if (authorization.StartsWith(SigV4Signer.Algorithm + " ", StringComparison.Ordinal))
        {
            return SignatureCheck.InvalidSignature("The credential must be scoped to a valid region.");
        }

        if (!TryParseAuthorization(authorization, out var auth))
        {
            return SignatureCheck.InvalidSignature(
                $"Authorization header requires '{SigV4aSigner.Algorithm}' with 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization={authorization}");
        }

        var expectedScope = $"{auth.Date}/{service}/aws4_request";
        if (auth.Scope != expectedScope)
        {
            return SignatureCheck.InvalidSignature($"Credential should be scoped to correct service: '{service}'. Expected scope '{expectedScope}', got '{auth.Scope}'.");
        }

        foreach (var required in new[] { "host", "x-amz-date", "x-amz-region-set" })
        {
            if (!auth.SignedHeaders.Contains(required)) return SignatureCheck.InvalidSignature($"'{required}' must be a signed header.");
        }

        if (Single(headers, SigningHeaders.RegionSet)?.Trim() != regionSet)
        {
            return SignatureCheck.InvalidSignature($"The credential must be scoped to region set '{regionSet}'.");
        }

        var amzDate = Single(headers, SigningHeaders.AmzDate)?.Trim();
        if (amzDate is null
            || !DateTime.TryParseExact(amzDate, SigningHeaders.AmzDateFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt)
            || !amzDate.StartsWith(auth.Date, StringComparison.Ordinal))
        {
            return SignatureCheck.InvalidSignature("X-Amz-Date must be a signed YYYYMMDD'T'HHMMSS'Z' date matching the credential scope.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        if ((now - signedAt).Duration() > MaxClockSkew)
        {
            return SignatureCheck.InvalidSignature(
                $"Signature expired: {amzDate} is now earlier or later than {SigningHeaders.FormatAmzDate(now)} by more than {MaxClockSkew.TotalMinutes} minutes.");
        }

        var secret = secretForAccessKey(auth.AccessKeyId);
        if (secret is null) return SignatureCheck.AccessDenied("The security token included in the request is invalid.");

        var canonical = CanonicalRequest.Build(method, rawTarget, headers, CanonicalRequest.HashHex(body), auth.SignedHeaders, normalizePath);
        var stringToSign = SigV4aSigner.StringToSign(amzDate, auth.Scope, canonical.Text);
        var parameters = publicKeys.GetOrAdd((auth.AccessKeyId, secret), static k =>
        {
            using var key = AWS4aSigner.ComputeSigningKey(k.AccessKeyId, k.Secret);
            return key.ExportParameters(includePrivateParameters: false);
        });
        using var publicKey = ECDsa.Create(parameters);

        return VerifySignature(publicKey, stringToSign, auth.Signature)
            ? SignatureCheck.Valid(auth.AccessKeyId)
            : SignatureCheck.InvalidSignature(
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
    }

    /// <summary>True when <paramref name="signatureHex"/> is a DER ECDSA signature of SHA-256(string to sign) under the key.</summary>
    public static bool VerifySignature(ECDsa publicKey, string stringToSign, string signatureHex)
    {
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return false;
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(stringToSign));
        try
        {
            return publicKey.VerifyHash(digest, signature, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    sealed record Authorization(string AccessKeyId, string Date, string Scope, IReadOnlyList<string> SignedHeaders, string Signature);

    static bool TryParseAuthorization(string header, out Authorization auth)
    {
        auth = null!;
        var prefix = SigV4aSigner.Algorithm + " ";
        if (!header.StartsWith(prefix, StringComparison.Ordinal)) return false;

        var parts = header[prefix.Length..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out var credential)
            || !parts.TryGetValue("SignedHeaders", out var signedHeaders)
            || !parts.TryGetValue("Signature", out var signature))
        {
            return false;
        }

        var slash = credential.IndexOf('/');
        if (slash <= 0) return false;
        var scope = credential[(slash + 1)..];
        var date = scope.Split('/')[0];
        if (date.Length != 8 || signature.Length == 0 || signedHeaders.Length == 0) return false;

        auth = new(credential[..slash], date, scope, signedHeaders.Split(';'), signature);
        return true;
    }

    static string? Single(IReadOnlyList<HeaderLine> headers, string name)
    {
        string? found = null;
        foreach (var header in headers)
        {
            if (!header.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) continue;
            if (found is not null) return null;
            found = header.Value;
        }

        return found;
    }
}
