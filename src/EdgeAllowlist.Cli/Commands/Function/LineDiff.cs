namespace EdgeAllowlist.Cli.Commands.Function;

/// <summary>A unified diff of two texts by line (longest common subsequence; a function is at most 10 KB).</summary>
public static class LineDiff
{
    const int Context = 3;

    /// <summary>The diff in unified format with 3 lines of context, or an empty list when the texts are equal line for line.</summary>
    public static IReadOnlyList<string> Unified(string before, string after, string beforeName, string afterName)
    {
        var a = Lines(before);
        var b = Lines(after);
        var ops = Edits(a, b);
        if (ops.All(op => op.Kind == ' '))
            return [];

        var lines = new List<string> { $"--- {beforeName}", $"+++ {afterName}" };
        var changed = ops.Select((op, i) => (op, i)).Where(x => x.op.Kind != ' ').Select(x => x.i).ToList();
        var start = 0;
        while (start < changed.Count)
        {
            // One hunk: changes no more than 2 × Context unchanged lines apart.
            var end = start;
            while (end + 1 < changed.Count && changed[end + 1] - changed[end] <= 2 * Context)
                end++;
            var from = Math.Max(0, changed[start] - Context);
            var to = Math.Min(ops.Count - 1, changed[end] + Context);
            var hunk = ops.Skip(from).Take(to - from + 1).ToList();
            var aStart = ops.Take(from).Count(op => op.Kind != '+') + 1;
            var bStart = ops.Take(from).Count(op => op.Kind != '-') + 1;
            var aCount = hunk.Count(op => op.Kind != '+');
            var bCount = hunk.Count(op => op.Kind != '-');
            lines.Add($"@@ -{(aCount == 0 ? aStart - 1 : aStart)},{aCount} +{(bCount == 0 ? bStart - 1 : bStart)},{bCount} @@");
            lines.AddRange(hunk.Select(op => op.Kind + op.Line));
            start = end + 1;
        }
        return lines;
    }

    static string[] Lines(string text) =>
        text.Length == 0 ? [] : text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');

    static List<(char Kind, string Line)> Edits(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var ops = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                ops.Add((' ', a[x++]));
                y++;
            }
            // Deletions before insertions on a tie, as diff -u prints a changed line.
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
                ops.Add(('-', a[x++]));
            else
                ops.Add(('+', b[y++]));
        }
        return ops;
    }
}
