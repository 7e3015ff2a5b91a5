using System.Text.RegularExpressions;

namespace EdgeAllowlist.Aws.MediaTailor;

/// <summary>
/// The partner secret as it sits in <c>VideoContentSourceUrl</c>: the path segment after the marker,
/// right after the host (<c>https://d111.cloudfront.net/_p/&lt;secret&gt;/live/</c>), which the function
/// strips before the request reaches the origin (function/README.md §3 step 3).
/// </summary>
public static partial class SecretPath
{
    public const string DefaultMarker = "_p";

    public static bool IsSecret(string value) => SecretPattern().IsMatch(value);

    public static bool IsMarker(string value) => MarkerPattern().IsMatch(value);

    /// <summary>The URL with <paramref name="secret"/> after the marker, replacing the one there or inserting marker and secret before the path.</summary>
    public static string WithSecret(string url, string marker, string secret)
    {
        var uri = new Uri(url, UriKind.Absolute);
        var path = uri.AbsolutePath;
        var prefix = $"/{marker}/";
        var rest = path;
        if (path.StartsWith(prefix, StringComparison.Ordinal))
        {
            var afterMarker = path[prefix.Length..];
            var end = afterMarker.IndexOf('/');
            rest = end < 0 ? "/" : afterMarker[end..];
        }
        return new UriBuilder(uri) { Path = $"{prefix}{secret}{rest}" }.Uri.AbsoluteUri;
    }

    /// <summary>The URL safe to print: the segment after the marker replaced by <c>***</c>.</summary>
    public static string Redact(string url, string marker) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.AbsolutePath.StartsWith($"/{marker}/", StringComparison.Ordinal)
            ? WithSecret(url, marker, "***")
            : url;

    [GeneratedRegex("^ealp_[A-Za-z0-9_-]{43}$")]
    private static partial Regex SecretPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex MarkerPattern();
}
