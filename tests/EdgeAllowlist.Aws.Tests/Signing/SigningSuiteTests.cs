using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime.Internal.Auth;
using EdgeAllowlist.Aws.Signing;

namespace EdgeAllowlist.Aws.Tests.Signing;

public sealed class SigningSuiteTests
{
    public static TheoryData<string> Cases => SigningSuiteCase.Names();

    [Fact]
    public void The_suite_is_present_and_has_its_header_cases()
    {
        Cases.Count.ShouldBeGreaterThanOrEqualTo(35);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Our_canonical_request_and_string_to_sign_equal_the_suite(string name)
    {
        var suite = SigningSuiteCase.Load(name);

        var (canonical, stringToSign) = BuildForSuite(suite);

        canonical.Text.ShouldBe(suite.Read("header-canonical-request.txt"));
        stringToSign.ShouldBe(suite.Read("header-string-to-sign.txt"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_suite_signature_verifies_under_its_public_key_and_a_flipped_byte_does_not(string name)
    {
        var suite = SigningSuiteCase.Load(name);
        using var publicKey = PublicKey(suite);
        var stringToSign = suite.Read("header-string-to-sign.txt");
        var signature = suite.Read("header-signature.txt");

        SigV4aVerifier.VerifySignature(publicKey, stringToSign, signature).ShouldBeTrue();
        SigV4aVerifier.VerifySignature(publicKey, stringToSign, FlipLastByte(signature)).ShouldBeFalse();
        SigV4aVerifier.VerifySignature(publicKey, stringToSign + " ", signature).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_verifier_accepts_the_suite_signed_request_and_rejects_a_tampered_one(string name)
    {
        var suite = SigningSuiteCase.Load(name);
        var verifier = Verifier(suite);
        var signed = suite.ParseRequest("header-signed-request.txt");

        verifier.Verify(signed.Method, signed.Target, signed.Headers, signed.Body).IsValid.ShouldBeTrue();

        var tamperedSignature = signed.Headers
            .Select(h => h.Name == "Authorization" ? h with { Value = FlipLastByte(h.Value) } : h)
            .ToList();
        var check = verifier.Verify(signed.Method, signed.Target, tamperedSignature, signed.Body);
        check.IsValid.ShouldBeFalse();
        check.ErrorCode.ShouldBe("InvalidSignatureException");

        var tamperedTarget = signed.Target + (signed.Target.Contains('?') ? "&extra=1" : "?extra=1");
        verifier.Verify(signed.Method, tamperedTarget, signed.Headers, signed.Body).IsValid.ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_derived_signing_key_is_the_suite_public_key(string name)
    {
        var suite = SigningSuiteCase.Load(name);
        using var derived = AWS4aSigner.ComputeSigningKey(suite.AccessKeyId, suite.SecretKey);
        using var expected = PublicKey(suite);

        derived.ExportParameters(false).Q.X.ShouldBe(expected.ExportParameters(false).Q.X);
        derived.ExportParameters(false).Q.Y.ShouldBe(expected.ExportParameters(false).Q.Y);
    }

    [Fact]
    public void Key_derivation_reproduces_the_aws_c_auth_vector()
    {
        using var key = AWS4aSigner.ComputeSigningKey("AKISORANDOMAASORANDOM", "q+jcrXGc+0zWN6uzclKVhvMmUsIfRPa4rlRandom");

        Convert.ToHexStringLower(key.ExportParameters(true).D!).ShouldBe("7fd3bd010c0d9c292141c2b77bfbde1042c92e6836fff749d1269ec890fca1bd");
    }

    static (CanonicalRequest Canonical, string StringToSign) BuildForSuite(SigningSuiteCase suite)
    {
        var request = suite.ParseRequest("request.txt");
        var amzDate = suite.Timestamp.ToString("yyyyMMdd'T'HHmmss'Z'");
        var headers = new List<HeaderLine>(request.Headers)
        {
            new("X-Amz-Date", amzDate),
            new("X-Amz-Region-Set", suite.Region),
        };
        if (suite.Token is not null && !suite.OmitSessionToken) headers.Add(new("X-Amz-Security-Token", suite.Token));
        var payloadHash = CanonicalRequest.HashHex(request.Body);
        if (suite.SignBody) headers.Add(new("x-amz-content-sha256", payloadHash));

        var canonical = CanonicalRequest.Build(request.Method, request.Target, headers, payloadHash, normalizePath: suite.Normalize);
        var scope = $"{amzDate[..8]}/{suite.Service}/aws4_request";
        return (canonical, SigV4aSigner.StringToSign(amzDate, scope, canonical.Text));
    }

    internal static SigV4aVerifier Verifier(SigningSuiteCase suite) => new(
        akid => akid == suite.AccessKeyId ? suite.SecretKey : null,
        new FixedClock(suite.Timestamp),
        suite.Service,
        suite.Region,
        suite.Normalize);

    internal static ECDsa PublicKey(SigningSuiteCase suite)
    {
        var json = JsonDocument.Parse(suite.Read("public-key.json")).RootElement;
        return ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new() { X = Convert.FromHexString(json.GetProperty("X").GetString()!), Y = Convert.FromHexString(json.GetProperty("Y").GetString()!) },
        });
    }

    static string FlipLastByte(string text)
    {
        var last = text[^1];
        return text[..^1] + (last == '0' ? '1' : '0');
    }
}
