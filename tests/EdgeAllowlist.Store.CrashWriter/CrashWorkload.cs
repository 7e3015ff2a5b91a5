namespace EdgeAllowlist.Store.CrashWriter;

/// <summary>
/// The writes the crash writer makes, step by step, and the state any prefix of them must produce.
/// Referenced by the tests, which compare the store after a kill with this model.
/// Every step touches several keys, so a half-applied step would show as a state no prefix produces.
/// </summary>
public static class CrashWorkload
{
    public const string CounterKey = "counter";
    const int KeySpace = 97;
    const int PutsPerStep = 4;

    public static (KeyValueItem[] Puts, string[] Deletes) Step(long step)
    {
        var puts = new KeyValueItem[PutsPerStep + 1];
        for (var j = 0; j < PutsPerStep; j++)
        {
            var length = (int)((step * 31 + j * 17) % 900) + 50;
            puts[j] = new(SlotKey(step * PutsPerStep + j), ValueFor(step, j, length));
        }
        puts[PutsPerStep] = new(CounterKey, step.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Half the key space away from this step's puts, so never the same key twice in one batch.
        return (puts, [SlotKey(step * PutsPerStep + KeySpace / 2)]);
    }

    public static SortedDictionary<string, string> StateAfter(long steps)
    {
        var state = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var step = 1L; step <= steps; step++)
        {
            var (puts, deletes) = Step(step);
            foreach (var put in puts)
                state[put.Key] = put.Value;
            foreach (var key in deletes)
                state.Remove(key);
        }
        return state;
    }

    static string SlotKey(long slot) => $"slot:{slot % KeySpace:D2}";

    static string ValueFor(long step, int j, int length) => string.Concat(Enumerable.Repeat($"{step}.{j};", length))[..length];
}
