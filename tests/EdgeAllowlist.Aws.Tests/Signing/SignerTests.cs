using System.Net.Http.Headers;
using System.Text;
using Amazon.Runtime;
using EdgeAllowlist.Aws.Signing;

namespace EdgeAllowlist.Aws.Tests.Signing;

public sealed class SignerTests
{
    static readonly DateTime SuiteTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    static readonly ImmutableCredentials Example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    const string DescribeUri = "https://123456789012.cloudfront-kvs.global.api.aws/key-value-stores/arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2Fmy-first-kvs-e10b1dce4f394248811e77167e0451ba";

    [Fact]
    public void The_kvs_describe_request_signs_the_double_encoded_path_from_platform_facts()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, DescribeUri);

        SigV4aSigner.Sign(request, [], Example, "cloudfront-keyvaluestore", SuiteTime);

        var authorization = request.Headers.GetValues("Authorization").Single();
        authorization.ShouldStartWith("AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/cloudfront-keyvaluestore/aws4_request, SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=");
        request.Headers.GetValues("X-Amz-Region-Set").Single().ShouldBe("*");
        var check = Verify(request, [], Example, "cloudfront-keyvaluestore", "*");
        check.IsValid.ShouldBeTrue(check.Message);

        // The canonical request and its hash from platform-facts §3.1.
        var canonical = CanonicalRequest.Build("GET", new Uri(DescribeUri).PathAndQuery, Lines(request), CanonicalRequest.EmptyPayloadHash);
        canonical.Text.ShouldStartWith("GET\n/key-value-stores/arn%253Aaws%253Acloudfront%253A%253A123456789012%253Akey-value-store%252Fmy-first-kvs-e10b1dce4f394248811e77167e0451ba\n\n");
        CanonicalRequest.HashHex(canonical.Text).ShouldBe("689e5aaf9654ac5de152559fc68596af2a8ffa3e4781ba3f8b294b5dc1cb9a82");
    }

    [Fact]
    public void A_signed_put_with_body_and_session_token_verifies_under_the_suite_public_key_and_in_the_verifier()
    {
        var credentials = new ImmutableCredentials(Example.AccessKey, Example.SecretKey, "session-token-example");
        var body = Encoding.UTF8.GetBytes("""{"Value":"v1"}""");
        using var request = PutRequest(body);

        SigV4aSigner.Sign(request, body, credentials, "cloudfront-keyvaluestore", SuiteTime);

        request.Headers.GetValues("X-Amz-Security-Token").Single().ShouldBe("session-token-example");
        request.Headers.GetValues("Authorization").Single().ShouldContain("SignedHeaders=content-type;host;if-match;x-amz-date;x-amz-region-set;x-amz-security-token,");
        Verify(request, body, credentials, "cloudfront-keyvaluestore", "*").IsValid.ShouldBeTrue();

        using var suiteKey = SigningSuiteTests.PublicKey(SigningSuiteCase.Load("get-vanilla"));
        var signedHeaders = "content-type;host;if-match;x-amz-date;x-amz-region-set;x-amz-security-token";
        var canonical = CanonicalRequest.Build("PUT", request.RequestUri!.PathAndQuery, Lines(request), CanonicalRequest.HashHex(body), signedHeaders.Split(';'));
        var stringToSign = SigV4aSigner.StringToSign("20150830T123600Z", "20150830/cloudfront-keyvaluestore/aws4_request", canonical.Text);
        SigV4aVerifier.VerifySignature(suiteKey, stringToSign, SignatureOf(request)).ShouldBeTrue();
    }

    [Fact]
    public void A_changed_body_header_or_key_fails_verification()
    {
        var body = Encoding.UTF8.GetBytes("""{"Value":"v1"}""");
        using var request = PutRequest(body);
        SigV4aSigner.Sign(request, body, Example, "cloudfront-keyvaluestore", SuiteTime);

        Verify(request, Encoding.UTF8.GetBytes("""{"Value":"v2"}"""), Example, "cloudfront-keyvaluestore", "*").IsValid.ShouldBeFalse();
        Verify(request, body, new(Example.AccessKey, "another-secret", null), "cloudfront-keyvaluestore", "*").IsValid.ShouldBeFalse();
        Verify(request, body, Example, "another-service", "*").IsValid.ShouldBeFalse();

        request.Headers.Remove("If-Match");
        request.Headers.TryAddWithoutValidation("If-Match", "ETAG2");
        Verify(request, body, Example, "cloudfront-keyvaluestore", "*").IsValid.ShouldBeFalse();
    }

    [Fact]
    public void Unsigned_headers_such_as_user_agent_may_change_in_transit()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, DescribeUri);
        request.Headers.UserAgent.ParseAdd("first/1.0");
        SigV4aSigner.Sign(request, [], Example, "cloudfront-keyvaluestore", SuiteTime);

        request.Headers.UserAgent.Clear();
        request.Headers.UserAgent.ParseAdd("proxy-rewritten/2.0");

        request.Headers.GetValues("Authorization").Single().ShouldNotContain("user-agent");
        Verify(request, [], Example, "cloudfront-keyvaluestore", "*").IsValid.ShouldBeTrue();
    }

    [Fact]
    public void The_verifier_refuses_stale_signatures_plain_sigv4_and_unknown_keys()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, DescribeUri);
        SigV4aSigner.Sign(request, [], Example, "cloudfront-keyvaluestore", SuiteTime);

        var late = new SigV4aVerifier(_ => Example.SecretKey, new FixedClock(SuiteTime.AddMinutes(16)), "cloudfront-keyvaluestore");
        var lateCheck = late.Verify("GET", request.RequestUri!.PathAndQuery, Lines(request), []);
        lateCheck.ErrorCode.ShouldBe("InvalidSignatureException");
        lateCheck.Message.ShouldStartWith("Signature expired");
        var justInTime = new SigV4aVerifier(_ => Example.SecretKey, new FixedClock(SuiteTime.AddMinutes(14)), "cloudfront-keyvaluestore");
        justInTime.Verify("GET", request.RequestUri!.PathAndQuery, Lines(request), []).IsValid.ShouldBeTrue();

        var unknown = new SigV4aVerifier(_ => null, new FixedClock(SuiteTime), "cloudfront-keyvaluestore");
        unknown.Verify("GET", request.RequestUri!.PathAndQuery, Lines(request), []).ErrorCode.ShouldBe("AccessDeniedException");

        using var v4 = new HttpRequestMessage(HttpMethod.Get, DescribeUri);
        SigV4Signer.Sign(v4, [], Example, "us-east-1", "cloudfront-keyvaluestore", SuiteTime);
        var v4Check = late.Verify("GET", v4.RequestUri!.PathAndQuery, Lines(v4), []);
        v4Check.ErrorCode.ShouldBe("InvalidSignatureException");
        v4Check.Message.ShouldBe("The credential must be scoped to a valid region.");

        using var regional = new HttpRequestMessage(HttpMethod.Get, DescribeUri);
        SigV4aSigner.Sign(regional, [], Example, "cloudfront-keyvaluestore", SuiteTime, regionSet: "us-east-1");
        Verify(regional, [], Example, "cloudfront-keyvaluestore", "*").IsValid.ShouldBeFalse();
    }

    [Fact]
    public void SigV4_reproduces_the_aws_get_vanilla_signature()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.amazonaws.com/");

        SigV4Signer.Sign(request, [], Example, "us-east-1", "service", SuiteTime);

        request.Headers.GetValues("Authorization").Single().ShouldBe(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    static HttpRequestMessage PutRequest(byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, DescribeUri + "/keys/a%2Fb%20c") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("If-Match", "ETAG1");
        return request;
    }

    static SignatureCheck Verify(HttpRequestMessage request, byte[] body, ImmutableCredentials onFile, string service, string regionSet) =>
        new SigV4aVerifier(akid => akid == onFile.AccessKey ? onFile.SecretKey : null, new FixedClock(SuiteTime), service, regionSet)
            .Verify(request.Method.Method, request.RequestUri!.PathAndQuery, Lines(request), body);

    static List<HeaderLine> Lines(HttpRequestMessage request) =>
        request.Headers.NonValidated
            .Concat(request.Content?.Headers.NonValidated ?? [])
            .SelectMany(h => h.Value.Select(v => new HeaderLine(h.Key, v)))
            .ToList();

    static string SignatureOf(HttpRequestMessage request) =>
        request.Headers.GetValues("Authorization").Single().Split("Signature=")[1];
}
