using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeAllowlist.Rules.Origins;

/// <summary>
/// Turns what an admin typed into the one spelling the function looks up (function/README.md §1):
/// <c>scheme://host[:port]</c>, lowercase, the host mapped with UTS #46 the way browsers map it
/// (fullwidth letters become ASCII, IDNs become punycode), default port dropped, a wildcard only as
/// the whole leftmost label with at least two labels after it and never over a public suffix.
/// Anything a browser would never send as an Origin — a path, query, fragment, user-info, <c>null</c>,
/// an IP address in a non-canonical form, an invisible character, a punycode label that does not
/// decode, a port with leading zeros — is refused with a message saying what is wrong.
/// </summary>
public static partial class OriginName
{
    // UTS #46 with STD3 rules and no unassigned code points. .NET applies UTS #46 only with ICU; in
    // invariant-globalization mode it would punycode ＥＸＡＭＰＬＥ.com as-is, so refuse to run there.
    static readonly IdnMapping Idn = CheckedMapping();

    /// <summary>A domain name in the ASCII form origins are stored in (UTS #46 ToASCII, lowercase).</summary>
    public static string ToAscii(string domain) => Idn.GetAscii(domain).ToLowerInvariant();

    public static bool TryNormalize(string? input, out string origin, out string error)
    {
        origin = "";
        error = Check(input, out var normalized) ?? "";
        if (error.Length > 0)
            return false;
        origin = normalized;
        return true;
    }

    static string? Check(string? input, out string origin)
    {
        origin = "";
        if (string.IsNullOrEmpty(input))
            return "is required.";
        if (input.Length > 300)
            return "is longer than 300 characters.";
        if (input.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return "contains whitespace or control characters.";
        if (input.Equals("null", StringComparison.OrdinalIgnoreCase))
            return "'null' is the origin of sandboxed and file: documents; it identifies no site and cannot be allowed.";
        var schemeEnd = input.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
            return "must be scheme://host[:port], e.g. https://www.example.com.";
        var scheme = input[..schemeEnd].ToLowerInvariant();
        if (scheme is not ("http" or "https"))
            return $"has scheme '{scheme}'; only http and https origins exist for browsers.";
        var rest = input[(schemeEnd + 3)..];
        if (rest.IndexOfAny(['/', '\\']) is var slash and >= 0)
            return $"has a path ('{rest[slash..]}'); an origin is scheme://host[:port] only.";
        if (rest.Contains('?'))
            return "has a query ('?…'); an origin is scheme://host[:port] only.";
        if (rest.Contains('#'))
            return "has a fragment ('#…'); an origin is scheme://host[:port] only.";
        if (rest.Contains('@'))
            return "has user-info ('…@'); an origin never carries credentials.";
        if (rest.Contains('%'))
            return "contains percent-encoding; write the host as text (IDNs are accepted and converted to punycode).";
        var (host, portText) = SplitPort(rest);
        if (host.Length == 0)
            return "has no host.";
        var port = 0;
        if (portText is not null)
        {
            if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit) || (port = int.Parse(portText, CultureInfo.InvariantCulture)) is 0 or > 65535)
                return $"has port '{portText}'; a port is a number from 1 to 65535.";
            // Browsers serialise the port without leading zeros, so ':0443' is never what they send.
            if (portText[0] == '0')
                return $"has port '{portText}' with a leading zero; write it as {port}.";
        }
        var hostError = NormalizeHost(host, out var normalizedHost);
        if (hostError is not null)
            return hostError;
        var defaultPort = scheme == "https" ? 443 : 80;
        origin = port == 0 || port == defaultPort ? $"{scheme}://{normalizedHost}" : $"{scheme}://{normalizedHost}:{port}";
        return null;
    }

    static (string Host, string? Port) SplitPort(string authority)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            if (close < 0)
                return (authority, null);
            var after = authority[(close + 1)..];
            return (authority[..(close + 1)], after.StartsWith(':') ? after[1..] : after.Length == 0 ? null : after);
        }
        var colon = authority.LastIndexOf(':');
        return colon < 0 ? (authority, null) : (authority[..colon], authority[(colon + 1)..]);
    }

    static string? NormalizeHost(string host, out string normalized)
    {
        normalized = "";
        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']') || host.Contains('%'))
                return "has a malformed IPv6 literal; write it as [address], without a zone.";
            if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                return "has a malformed IPv6 literal.";
            normalized = $"[{v6}]";
            return null;
        }
        if (host.Contains(':'))
            return "has a malformed host or port (IPv6 addresses go in brackets).";
        if (host.EndsWith('.'))
            return "has a trailing dot in the host; browsers send the host without it.";
        var wildcard = host.StartsWith("*.", StringComparison.Ordinal);
        var body = wildcard ? host[2..] : host;
        if (body.Contains('*'))
            return "has a '*' that is not the whole leftmost label; write wildcards as https://*.example.com.";
        if (InvisibleCharacter(body) is { } invisible)
            return $"contains the invisible character U+{invisible.Value:X4}; browsers drop or refuse it, so the origin would not be the one shown.";
        string ascii;
        try
        {
            ascii = ToAscii(body);
        }
        catch (ArgumentException)
        {
            return Undecodable(body);
        }
        var labels = ascii.Split('.');
        // A host whose last label is numeric is read by browsers as an IPv4 address (WHATWG URL).
        if (LooksNumeric(labels[^1]))
        {
            if (wildcard)
                return "puts a wildcard on an IP address.";
            if (!CanonicalIpv4().IsMatch(ascii))
                return $"has '{host}', which browsers would read as an IPv4 address in a non-canonical form; write it as four decimal numbers, e.g. 127.0.0.1.";
            normalized = ascii;
            return null;
        }
        if (ascii.Length > 253 || labels.Any(l => l.Length is 0 or > 63 || !HostLabel().IsMatch(l)))
            return "has a host that is not a valid domain name (labels of letters, digits or '-', 1 to 63 characters).";
        if (wildcard && labels.Length < 2)
            return "has a wildcard with fewer than two labels after it; *.com would allow a whole top-level domain.";
        if (wildcard && PublicSuffixList.Embedded.IsPublicSuffix(ascii))
            return $"has a wildcard over '{ascii}', a public suffix (Mozilla Public Suffix List): anyone can register a site under it, so *.{ascii} would allow strangers' sites. Put the wildcard under your own domain, e.g. https://*.yours.{ascii}.";
        normalized = wildcard ? "*." + ascii : ascii;
        return null;
    }

    /// <summary>
    /// A format character (U+200B, U+202E, U+00AD, U+FEFF…) or any other code point UTS #46 maps to
    /// nothing: browsers drop these silently, so what an admin reads is not the host being allowed.
    /// </summary>
    static Rune? InvisibleCharacter(string host)
    {
        foreach (var rune in host.EnumerateRunes())
        {
            if (rune.IsAscii)
                continue;
            if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format || IgnoredByMapping(rune))
                return rune;
        }
        return null;
    }

    static bool IgnoredByMapping(Rune rune)
    {
        try
        {
            return Idn.GetAscii("a" + rune) == "a";
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    static string Undecodable(string host)
    {
        var labels = host.Split('.');
        if (labels.FirstOrDefault(l => l.StartsWith("xn--", StringComparison.OrdinalIgnoreCase)) is { } punycode)
            return $"has the label '{punycode}', which is not valid punycode (it does not decode to a valid IDN label).";
        if (host.Contains('_'))
            return "has a '_' in the host; host names are letters, digits and '-' (STD3 rules, as in UTS #46).";
        return "has a host that is not a valid domain name under UTS #46 (IDNA): labels of letters, digits or '-', not starting or ending with '-', and no disallowed characters.";
    }

    static IdnMapping CheckedMapping()
    {
        var mapping = new IdnMapping { UseStd3AsciiRules = true, AllowUnassigned = false };
        if (mapping.GetAscii("\uFF21.example") != "a.example")
            throw new InvalidOperationException("UTS #46 mapping needs ICU: run with InvariantGlobalization=false (see Directory.Build.props).");
        return mapping;
    }

    static bool LooksNumeric(string label) =>
        label.Length > 0 && (label.All(char.IsAsciiDigit) || label.StartsWith("0x", StringComparison.Ordinal) && label[2..].All(char.IsAsciiHexDigit));

    [GeneratedRegex("^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$")]
    private static partial Regex CanonicalIpv4();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")]
    private static partial Regex HostLabel();
}
