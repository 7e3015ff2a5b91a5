namespace EdgeAllowlist.Rules.Origins;

/// <summary>
/// The Mozilla Public Suffix List and its algorithm (https://publicsuffix.org/list/): normal rules
/// (<c>co.uk</c>), wildcard rules (<c>*.ck</c>: every label under <c>ck</c> is a suffix) and exception
/// rules (<c>!www.ck</c>: but <c>www.ck</c> is not); of the rules that match a host, an exception wins,
/// otherwise the one with the most labels; no rule matching means the top-level label (the implicit
/// <c>*</c> rule). Both sections are used, ICANN and private: <c>github.io</c> and <c>cloudfront.net</c>
/// are private-section entries, and a wildcard over either would allow every customer's site.
/// Hosts and rules are compared in their ASCII (punycode) form, lowercase, without a trailing dot.
/// </summary>
public sealed class PublicSuffixList
{
    const string ResourceName = "EdgeAllowlist.Rules.Origins.PublicSuffix.public_suffix_list.dat";

    readonly HashSet<string> rules = new(StringComparer.Ordinal);
    readonly HashSet<string> wildcards = new(StringComparer.Ordinal);
    readonly HashSet<string> exceptions = new(StringComparer.Ordinal);

    /// <summary>The list vendored in the assembly (src/EdgeAllowlist.Rules/Origins/PublicSuffix).</summary>
    public static PublicSuffixList Embedded { get; } = LoadEmbedded();

    /// <summary>
    /// Reads the list's text format: one rule per line, the rule ending at the first whitespace,
    /// <c>//</c> comments and blank lines skipped. Unicode rules are stored as punycode, the form
    /// <see cref="OriginName"/> gives hosts, so <c>公司.cn</c> matches <c>xn--55qx5d.cn</c>.
    /// <paramref name="toAscii"/> converts a domain name to that form.
    /// </summary>
    public PublicSuffixList(IEnumerable<string> lines, Func<string, string> toAscii)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.StartsWith(DateLine, StringComparison.Ordinal)
                && DateOnly.TryParseExact(line[DateLine.Length..].Trim(), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var date))
                ListDate = date;
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
                continue;
            var rule = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries)[0];
            var (set, name) = rule.StartsWith('!') ? (exceptions, rule[1..])
                : rule.StartsWith("*.", StringComparison.Ordinal) ? (wildcards, rule[2..])
                : (rules, rule);
            if (name is "" or "*")
                continue;
            try
            {
                set.Add(toAscii(name));
            }
            catch (ArgumentException)
            {
                // A rule no valid host can spell (UTS #46 refuses it) can never match an origin.
                Unconvertible++;
            }
        }
    }

    /// <summary>The header line scripts/refresh-psl.sh writes with the list's date.</summary>
    public const string DateLine = "// List-Date:";

    /// <summary>When the list was published (its <see cref="DateLine"/>); null for a list without one. Shown in /v1/status.</summary>
    public DateOnly? ListDate { get; }

    /// <summary>Rules skipped because they have no ASCII form; none in the vendored list (a test says so).</summary>
    public int Unconvertible { get; }

    public int RuleCount => rules.Count + wildcards.Count + exceptions.Count;

    /// <summary>The public suffix of <paramref name="host"/> (a domain name in ASCII, lowercase).</summary>
    public string PublicSuffixOf(string host)
    {
        var labels = host.Split('.');
        string Suffix(int from) => string.Join('.', labels, from, labels.Length - from);

        // An exception rule prevails over every other match; its suffix is the rule minus its first label.
        for (var i = 0; i < labels.Length; i++)
            if (exceptions.Contains(Suffix(i)))
                return Suffix(i + 1);
        // Otherwise the matching rule with the most labels, so scan from the longest suffix.
        for (var i = 0; i < labels.Length; i++)
        {
            if (rules.Contains(Suffix(i)))
                return Suffix(i);
            if (i + 1 < labels.Length && wildcards.Contains(Suffix(i + 1)))
                return Suffix(i);
        }
        return labels[^1];
    }

    /// <summary>Whether <paramref name="host"/> is itself a public suffix: a wildcard over it would match unrelated registrants' sites.</summary>
    public bool IsPublicSuffix(string host) => PublicSuffixOf(host) == host;

    static PublicSuffixList LoadEmbedded()
    {
        using var stream = typeof(PublicSuffixList).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The public suffix list is not embedded ({ResourceName}).");
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
            lines.Add(line);
        return new(lines, OriginName.ToAscii);
    }
}
