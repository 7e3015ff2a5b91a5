using System.Security.Cryptography;
using System.Text;

namespace EdgeAllowlist.Aws.Signing;

/// <summary>One header line as it travels on the wire; a name may repeat.</summary>
public readonly record struct HeaderLine(string Name, string Value);

/// <summary>
/// The SigV4 / SigV4a canonical request (platform-facts §3.1): method, canonical URI, canonical
/// query, canonical headers, signed headers and payload hash, each on its own line. Shared by the
/// signers and the verifier so that both sides agree byte for byte.
/// </summary>
public sealed record CanonicalRequest(string Text, string SignedHeaders)
{
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Never signed: proxies and HTTP stacks add or rewrite them (aws-c-auth s_skipped_headers).</summary>
    public static readonly IReadOnlySet<string> SkippedHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "x-amzn-trace-id", "user-agent", "connection", "expect", "transfer-encoding", "upgrade", "authorization",
    };

    /// <param name="rawTarget">Path and query exactly as sent on the wire (already percent-encoded labels).</param>
    /// <param name="signedHeaderNames">
    /// When signing, null: every header except <see cref="SkippedHeaders"/>. When verifying, the names the
    /// Authorization header lists.
    /// </param>
    /// <param name="normalizePath">Remove dot segments and empty segments (true for every service except S3).</param>
    public static CanonicalRequest Build(
        string method,
        string rawTarget,
        IEnumerable<HeaderLine> headers,
        string payloadHash,
        IReadOnlyCollection<string>? signedHeaderNames = null,
        bool normalizePath = true)
    {
        var queryStart = rawTarget.IndexOf('?');
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var query = queryStart < 0 ? "" : rawTarget[(queryStart + 1)..];

        var canonicalHeaders = CanonicalHeaders(headers, signedHeaderNames);
        var signedHeaders = string.Join(';', canonicalHeaders.Keys);

        var text = new StringBuilder()
            .Append(method.ToUpperInvariant()).Append('\n')
            .Append(CanonicalPath(path, normalizePath)).Append('\n')
            .Append(CanonicalQuery(query)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }

        text.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return new(text.ToString(), signedHeaders);
    }

    public static string HashHex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string HashHex(string text) => HashHex(Encoding.UTF8.GetBytes(text));

    /// <summary>RFC 3986 encoding of every byte outside <c>A-Z a-z 0-9 - . _ ~</c> (and '/' when kept), upper-case hex.</summary>
    public static string UriEncode(string text, bool keepSlash = false)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2"));
            }
        }

        return builder.ToString();
    }

    static string CanonicalPath(string path, bool normalize)
    {
        if (path.Length == 0) return "/";
        if (normalize) path = RemoveDotAndEmptySegments(path);

        // The wire path is encoded once already; SigV4 for every service but S3 (the only one we talk to)
        // encodes it again, so "%3A" signs as "%253A". Raw characters never encoded (a space in a test
        // vector) get their first encoding here.
        return UriEncode(path, keepSlash: true);
    }

    static string RemoveDotAndEmptySegments(string path)
    {
        var output = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".") continue;
            if (segment == "..")
            {
                if (output.Count > 0) output.RemoveAt(output.Count - 1);
                continue;
            }

            output.Add(segment);
        }

        var trailingSlash = output.Count > 0 && (path.EndsWith('/') || path.EndsWith("/.") || path.EndsWith("/.."));
        return "/" + string.Join('/', output) + (trailingSlash ? "/" : "");
    }

    static string CanonicalQuery(string query)
    {
        if (query.Length == 0) return "";
        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair =>
            {
                var eq = pair.IndexOf('=');
                var name = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? "" : pair[(eq + 1)..];
                return (Name: UriEncode(Uri.UnescapeDataString(name)), Value: UriEncode(Uri.UnescapeDataString(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => $"{p.Name}={p.Value}"));
    }

    static SortedDictionary<string, string> CanonicalHeaders(IEnumerable<HeaderLine> headers, IReadOnlyCollection<string>? signedHeaderNames)
    {
        var wanted = signedHeaderNames is null ? null : new HashSet<string>(signedHeaderNames, StringComparer.OrdinalIgnoreCase);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in headers)
        {
            var name = header.Name.Trim().ToLowerInvariant();
            var include = wanted is null ? !SkippedHeaders.Contains(name) : wanted.Contains(name);
            if (!include) continue;

            // Repeated headers keep their order, joined by commas; folded and padded values collapse to single spaces.
            var value = CollapseWhitespace(header.Value);
            result[name] = result.TryGetValue(name, out var earlier) ? earlier + "," + value : value;
        }

        return result;
    }

    static string CollapseWhitespace(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }

        return builder.ToString();
    }
}
