using System.Globalization;
using System.Net.Http.Headers;

namespace EdgeAllowlist.Aws.Signing;

/// <summary>Header names and formats both signature versions share.</summary>
static class SigningHeaders
{
    public const string AmzDate = "X-Amz-Date";
    public const string RegionSet = "X-Amz-Region-Set";
    public const string SecurityToken = "X-Amz-Security-Token";
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string FormatAmzDate(DateTime signedAtUtc) => signedAtUtc.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    /// <summary>
    /// Stamps the date (and token) headers, then builds the canonical request over the headers
    /// the message will carry: Host from the URI unless set, content headers included.
    /// </summary>
    public static CanonicalRequest Prepare(HttpRequestMessage request, ReadOnlySpan<byte> body, string? sessionToken, DateTime signedAtUtc, string? regionSet)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        foreach (var name in new[] { AmzDate, RegionSet, SecurityToken, "Authorization" }) request.Headers.Remove(name);

        request.Headers.TryAddWithoutValidation(AmzDate, FormatAmzDate(signedAtUtc));
        if (regionSet is not null) request.Headers.TryAddWithoutValidation(RegionSet, regionSet);
        if (!string.IsNullOrEmpty(sessionToken)) request.Headers.TryAddWithoutValidation(SecurityToken, sessionToken);
        request.Headers.Host ??= uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port}";

        var lines = Lines(request.Headers);
        if (request.Content is not null) lines = lines.Concat(Lines(request.Content.Headers));

        // HttpClient computes Content-Length itself and proxies may change it, so it is not signed.
        lines = lines.Where(h => !h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase));

        var payloadHash = body.IsEmpty ? CanonicalRequest.EmptyPayloadHash : CanonicalRequest.HashHex(body);
        return CanonicalRequest.Build(request.Method.Method, uri.PathAndQuery, lines.ToList(), payloadHash);
    }

    static IEnumerable<HeaderLine> Lines(HttpHeaders headers) =>
        headers.NonValidated.SelectMany(h => h.Value.Select(v => new HeaderLine(h.Key, v)));
}
