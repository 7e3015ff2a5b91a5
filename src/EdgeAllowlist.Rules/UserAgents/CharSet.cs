namespace EdgeAllowlist.Rules.UserAgents;

/// <summary>
/// The UTF-16 code units one regex atom can match, as sorted inclusive ranges. Only one question
/// needs an exact answer: can two atoms match the same character under the flag <c>i</c>? In
/// non-Unicode mode JavaScript folds case within ASCII and never maps a non-ASCII character to an
/// ASCII one, so ASCII is compared exactly and any two sets with non-ASCII members are taken to
/// overlap (a safe over-estimate: it can refuse a pattern, never let a slow one through).
/// </summary>
sealed class CharSet
{
    readonly (int Low, int High)[] ranges;

    CharSet((int Low, int High)[] ranges) => this.ranges = ranges;

    public static readonly CharSet Empty = new([]);
    public static readonly CharSet Digit = Range('0', '9');
    public static readonly CharSet Word = Range('a', 'z').Union(Range('A', 'Z')).Union(Digit).Union(Of('_'));
    public static readonly CharSet Space = Of('\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff')
        .Union(Range('\u2000', '\u200a'));
    public static readonly CharSet Dot = Of('\n', '\r', '\u2028', '\u2029').Complement();

    public static CharSet Of(params char[] chars) => chars.Aggregate(Empty, (set, c) => set.Union(Range(c, c)));

    public static CharSet Range(char low, char high) => new([(low, high)]);

    public int Count => ranges.Sum(r => r.High - r.Low + 1);

    public IEnumerable<char> Members => ranges.SelectMany(r => Enumerable.Range(r.Low, r.High - r.Low + 1).Select(c => (char)c));

    public CharSet Union(CharSet other)
    {
        var merged = new List<(int Low, int High)>();
        foreach (var range in ranges.Concat(other.ranges).OrderBy(r => r.Low))
        {
            if (merged.Count > 0 && range.Low <= merged[^1].High + 1)
                merged[^1] = (merged[^1].Low, Math.Max(merged[^1].High, range.High));
            else
                merged.Add(range);
        }
        return new([.. merged]);
    }

    public CharSet Complement()
    {
        var result = new List<(int Low, int High)>();
        var next = 0;
        foreach (var (low, high) in ranges)
        {
            if (low > next)
                result.Add((next, low - 1));
            next = high + 1;
        }
        if (next <= char.MaxValue)
            result.Add((next, char.MaxValue));
        return new([.. result]);
    }

    /// <summary>Whether one character could match both sets under case-insensitive matching.</summary>
    public bool Overlaps(CharSet other)
    {
        if (HasNonAscii && other.HasNonAscii)
            return true;
        var mine = AsciiFolded();
        return other.AsciiFolded().Any(mine.Contains);
    }

    bool HasNonAscii => ranges.Any(r => r.High >= 128);

    HashSet<char> AsciiFolded()
    {
        var set = new HashSet<char>();
        foreach (var (low, high) in ranges)
            for (var c = low; c <= Math.Min(high, 127); c++)
            {
                set.Add(char.ToLowerInvariant((char)c));
                set.Add(char.ToUpperInvariant((char)c));
            }
        return set;
    }
}
