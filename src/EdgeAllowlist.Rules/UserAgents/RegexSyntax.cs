namespace EdgeAllowlist.Rules.UserAgents;

/// <summary>
/// The one reader of JavaScript regular-expression sources (non-Unicode mode), now only for the
/// retired regex rules: it turns a source into a small tree with the source span of every node, which
/// <see cref="LegacyRegex"/> uses to split a schema-1 shard into its regexes and to convert each to the
/// glob it equals. Constructs no glob can say (lookbehind, backreferences, named groups) are refused while reading.
/// </summary>
static class RegexSyntax
{
    public static Alternation Parse(string source)
    {
        var parser = new Parser(source);
        var result = parser.ParseAlternation();
        if (parser.Position < source.Length)
            throw new RegexSyntaxException("has an unmatched ')'.");
        return result;
    }

    sealed class Parser(string source)
    {
        public int Position;

        bool At(string text) => source.AsSpan(Position).StartsWith(text, StringComparison.Ordinal);

        public Alternation ParseAlternation()
        {
            var start = Position;
            var alternatives = new List<Sequence> { ParseSequence() };
            while (Position < source.Length && source[Position] == '|')
            {
                Position++;
                alternatives.Add(ParseSequence());
            }
            return new(alternatives, start, Position);
        }

        Sequence ParseSequence()
        {
            var start = Position;
            var terms = new List<Term>();
            while (Position < source.Length && source[Position] is not ('|' or ')'))
            {
                var termStart = Position;
                var atom = ParseAtom();
                var quantifier = ParseQuantifier();
                if (quantifier is not null && atom is Assertion or Group { Kind: GroupKind.Lookahead or GroupKind.NegativeLookahead })
                    throw new RegexSyntaxException("has a quantifier on ^, $, \\b, \\B or a lookahead, which repeats nothing.");
                terms.Add(new(atom, quantifier, termStart, Position));
            }
            return new(terms, start, Position);
        }

        Atom ParseAtom()
        {
            var start = Position;
            var c = source[Position];
            switch (c)
            {
                case '*' or '+' or '?':
                    throw new RegexSyntaxException($"has a quantifier '{c}' with nothing to repeat.");
                case '{' when QuantifierLength(Position) > 0:
                    throw new RegexSyntaxException("has a quantifier '{' with nothing to repeat.");
                case '^' or '$':
                    Position++;
                    return new Assertion(c.ToString(), start, Position);
                case '.':
                    Position++;
                    return new Character(CharSet.Dot, null, start, Position);
                case '[':
                    return ParseClass();
                case '(':
                    return ParseGroup();
                case '\\':
                    return ParseEscape();
                default:
                    Position++;
                    return new Character(CharSet.Of(c), c, start, Position);
            }
        }

        Group ParseGroup()
        {
            var start = Position;
            GroupKind kind;
            if (At("(?:"))
                (kind, Position) = (GroupKind.NonCapturing, Position + 3);
            else if (At("(?="))
                (kind, Position) = (GroupKind.Lookahead, Position + 3);
            else if (At("(?!"))
                (kind, Position) = (GroupKind.NegativeLookahead, Position + 3);
            else if (At("(?<=") || At("(?<!"))
                throw new RegexSyntaxException("uses lookbehind, which CloudFront's runtime does not support.");
            else if (At("(?<"))
                throw new RegexSyntaxException("uses a named group; patterns are combined into one expression per shard, where names could clash.");
            else if (At("(?"))
                throw new RegexSyntaxException($"is not a valid JavaScript regular expression: invalid group at position {Position}.");
            else
                (kind, Position) = (GroupKind.Capturing, Position + 1);
            var body = ParseAlternation();
            if (Position >= source.Length)
                throw new RegexSyntaxException("has an unclosed '('.");
            Position++;
            return new(kind, body, start, Position);
        }

        Atom ParseEscape()
        {
            var start = Position;
            if (Position + 1 >= source.Length)
                throw new RegexSyntaxException("ends with a lone backslash.");
            var c = source[Position + 1];
            Position += 2;
            switch (c)
            {
                case 'b' or 'B':
                    return new Assertion($"\\{c}", start, Position);
                case >= '1' and <= '9':
                    throw new RegexSyntaxException("uses a backreference, which can take exponential time and would be renumbered when patterns share a shard.");
                case 'k' when Position < source.Length && source[Position] == '<':
                    throw new RegexSyntaxException("uses a backreference, which can take exponential time and would be renumbered when patterns share a shard.");
                case '0' when Position < source.Length && char.IsAsciiDigit(source[Position]):
                    throw new RegexSyntaxException("uses a legacy octal escape; write \\xHH instead.");
                case 'c':
                    throw new RegexSyntaxException("uses a control escape \\c; write \\xHH instead.");
            }
            if (ClassEscape(c) is { } set)
                return new Character(set, null, start, Position);
            var literal = CharacterEscape(c);
            return new Character(CharSet.Of(literal), literal, start, Position);
        }

        /// <summary>The character an escape other than a class stands for, consuming the digits of \x and \u.</summary>
        char CharacterEscape(char c)
        {
            switch (c)
            {
                case 'f': return '\f';
                case 'n': return '\n';
                case 'r': return '\r';
                case 't': return '\t';
                case 'v': return '\v';
                case '0': return '\0';
                case 'x' when Hex(2) is { } x: return x;
                case 'u' when Hex(4) is { } u: return u;
                default: return c;
            }
        }

        char? Hex(int digits)
        {
            if (Position + digits > source.Length || !source.AsSpan(Position, digits).ToString().All(char.IsAsciiHexDigit))
                return null;
            var value = (char)Convert.ToInt32(source.Substring(Position, digits), 16);
            Position += digits;
            return value;
        }

        static CharSet? ClassEscape(char c) => c switch
        {
            'd' => CharSet.Digit,
            'D' => CharSet.Digit.Complement(),
            'w' => CharSet.Word,
            'W' => CharSet.Word.Complement(),
            's' => CharSet.Space,
            'S' => CharSet.Space.Complement(),
            _ => null,
        };

        Character ParseClass()
        {
            var start = Position;
            Position++;
            var negated = Position < source.Length && source[Position] == '^';
            if (negated)
                Position++;
            var set = CharSet.Empty;
            while (true)
            {
                if (Position >= source.Length)
                    throw new RegexSyntaxException("has an unclosed character class '['.");
                if (source[Position] == ']')
                    break;
                var (low, lowSet) = ClassMember();
                if (Position + 1 < source.Length && source[Position] == '-' && source[Position + 1] != ']')
                {
                    Position++;
                    var (high, highSet) = ClassMember();
                    if (lowSet is null && highSet is null)
                    {
                        if (high < low)
                            throw new RegexSyntaxException("is not a valid JavaScript regular expression: a character class range is out of order.");
                        set = set.Union(CharSet.Range(low, high));
                        continue;
                    }
                    // Annex B: a class escape at either end makes the '-' a literal.
                    set = set.Union(lowSet ?? CharSet.Of(low)).Union(CharSet.Of('-')).Union(highSet ?? CharSet.Of(high));
                    continue;
                }
                set = set.Union(lowSet ?? CharSet.Of(low));
            }
            Position++;
            return new(negated ? set.Complement() : set, null, start, Position);
        }

        (char Char, CharSet? Set) ClassMember()
        {
            var c = source[Position];
            if (c != '\\')
            {
                Position++;
                return (c, null);
            }
            if (Position + 1 >= source.Length)
                throw new RegexSyntaxException("ends with a lone backslash.");
            var escaped = source[Position + 1];
            Position += 2;
            if (escaped == 'b')
                return ('\b', null);
            if (escaped is >= '1' and <= '9' || escaped == '0' && Position < source.Length && char.IsAsciiDigit(source[Position]))
                throw new RegexSyntaxException("uses a legacy octal escape; write \\xHH instead.");
            if (escaped == 'c')
                throw new RegexSyntaxException("uses a control escape \\c; write \\xHH instead.");
            return ClassEscape(escaped) is { } set ? ('\0', set) : (CharacterEscape(escaped), null);
        }

        Quantifier? ParseQuantifier()
        {
            if (Position >= source.Length)
                return null;
            Quantifier quantifier;
            switch (source[Position])
            {
                case '*':
                    quantifier = new(0, null, false);
                    Position++;
                    break;
                case '+':
                    quantifier = new(1, null, false);
                    Position++;
                    break;
                case '?':
                    quantifier = new(0, 1, false);
                    Position++;
                    break;
                case '{' when QuantifierLength(Position) is > 0 and var length:
                    var inner = source.Substring(Position + 1, length - 2).Split(',');
                    var min = Bound(inner[0]);
                    int? max = inner.Length == 1 ? min : inner[1].Length == 0 ? null : Bound(inner[1]);
                    if (max < min)
                        throw new RegexSyntaxException($"is not a valid JavaScript regular expression: numbers out of order in {source.Substring(Position, length)} quantifier.");
                    quantifier = new(min, max, false);
                    Position += length;
                    break;
                default:
                    return null;
            }
            if (Position < source.Length && source[Position] == '?')
            {
                Position++;
                quantifier = quantifier with { Lazy = true };
            }
            return quantifier;
        }

        /// <summary>A bound as written, saturated: anything above a million is refused for its size anyway.</summary>
        static int Bound(string digits) => digits.Length > 7 ? int.MaxValue : int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The length of <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c> at <paramref name="i"/>; 0 when the '{' is a literal (Annex B).</summary>
        int QuantifierLength(int i)
        {
            var j = i + 1;
            var digits = 0;
            while (j < source.Length && char.IsAsciiDigit(source[j])) (j, digits) = (j + 1, digits + 1);
            if (digits == 0)
                return 0;
            if (j < source.Length && source[j] == ',')
                for (j++; j < source.Length && char.IsAsciiDigit(source[j]); j++) { }
            return j < source.Length && source[j] == '}' ? j + 1 - i : 0;
        }
    }
}

sealed class RegexSyntaxException(string message) : Exception(message);

abstract record Node(int Start, int End)
{
    public string Text(string source) => source[Start..End];
}

sealed record Alternation(IReadOnlyList<Sequence> Alternatives, int Start, int End) : Node(Start, End);

sealed record Sequence(IReadOnlyList<Term> Terms, int Start, int End) : Node(Start, End);

/// <summary>An atom and its quantifier, if any; <see cref="Quantifier.Max"/> null means unbounded.</summary>
sealed record Term(Atom Atom, Quantifier? Quantifier, int Start, int End) : Node(Start, End)
{
    public bool Unbounded => Quantifier is { Max: null };

    /// <summary>Matches a varying number of times (<c>?</c>, <c>{1,3}</c>, <c>*</c>).</summary>
    public bool Varies => Quantifier is { } q && q.Max != q.Min;
}

sealed record Quantifier(int Min, int? Max, bool Lazy);

abstract record Atom(int Start, int End) : Node(Start, End);

/// <summary>One character out of <see cref="Set"/>: a literal (then <see cref="Literal"/> is it), an escape, a class or '.'.</summary>
sealed record Character(CharSet Set, char? Literal, int Start, int End) : Atom(Start, End);

/// <summary><c>^</c>, <c>$</c>, <c>\b</c> or <c>\B</c>.</summary>
sealed record Assertion(string Kind, int Start, int End) : Atom(Start, End);

enum GroupKind { Capturing, NonCapturing, Lookahead, NegativeLookahead }

sealed record Group(GroupKind Kind, Alternation Body, int Start, int End) : Atom(Start, End)
{
    public bool IsLookahead => Kind is GroupKind.Lookahead or GroupKind.NegativeLookahead;
}
