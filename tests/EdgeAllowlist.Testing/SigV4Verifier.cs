using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeAllowlist.Testing;

/// <summary>
/// The service side of SigV4: rebuilds the canonical request from what arrived on the wire, written
/// independently of the client's builder so that a shared mistake cannot hide, and lets AWSSDK.Core's
/// <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials,string,DateTime,string,string,string)"/>
/// say what the Authorization header must be.
/// </summary>
public sealed class SigV4Verifier(ImmutableCredentials credentials, string region, string service)
{
    /// <summary>Null when the signature is right, otherwise why it is not.</summary>
    public string? Problem(HttpContext context, byte[] body)
    {
        var request = context.Request;
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
            return "no AWS4-HMAC-SHA256 Authorization header";
        var signedHeaders = Field(authorization, "SignedHeaders");
        if (signedHeaders is null)
            return "no SignedHeaders";
        var names = signedHeaders.Split(';');
        foreach (var required in new[] { "host", "x-amz-date" })
            if (!names.Contains(required))
                return $"{required} is not signed";
        if (request.Headers.ContainsKey("x-amz-security-token") != names.Contains("x-amz-security-token"))
            return "the session token is not signed";
        if (!DateTime.TryParseExact(request.Headers["x-amz-date"].ToString(), "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
            return "x-amz-date is not yyyyMMddTHHmmssZ";

        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (request.Headers.TryGetValue("x-amz-content-sha256", out var declared) && declared.ToString() != payloadHash)
            return "x-amz-content-sha256 does not match the body";
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var rawPath = rawTarget.Split('?')[0];
        var canonicalRequest = string.Join('\n',
            request.Method,
            // Non-S3 services encode the already-encoded wire path once more.
            string.Join('/', rawPath.Split('/').Select(Uri.EscapeDataString)),
            CanonicalQuery(request.QueryString.Value),
            string.Concat(names.Select(name => $"{name}:{HeaderValue(request, name)}\n")),
            signedHeaders,
            payloadHash);
        var expected = AWS4Signer.ComputeSignature(credentials, region, signedAt, service, signedHeaders, canonicalRequest);
        return authorization == expected.ForAuthorizationHeader ? null : $"signature mismatch; canonical request was:\n{canonicalRequest}";
    }

    static string HeaderValue(HttpRequest request, string name)
    {
        var value = name == "host" ? request.Host.Value! : string.Join(',', request.Headers[name].ToArray());
        return string.Join(' ', value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    static string CanonicalQuery(string? query) =>
        string.IsNullOrEmpty(query) || query == "?"
            ? ""
            : string.Join('&', query.TrimStart('?').Split('&')
                .Select(pair => pair.Split('=', 2))
                .Select(pair => (Name: Encode(pair[0]), Value: Encode(pair.Length > 1 ? pair[1] : "")))
                .OrderBy(pair => pair.Name, StringComparer.Ordinal).ThenBy(pair => pair.Value, StringComparer.Ordinal)
                .Select(pair => $"{pair.Name}={pair.Value}"));

    static string Encode(string wire) => Uri.EscapeDataString(Uri.UnescapeDataString(wire));

    static string? Field(string authorization, string name) =>
        authorization.Split(' ', 2)[1].Split(',', StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .FirstOrDefault(part => part[0] == name) is { Length: 2 } field ? field[1] : null;
}
