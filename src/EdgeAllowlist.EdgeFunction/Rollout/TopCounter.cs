namespace EdgeAllowlist.EdgeFunction.Rollout;

/// <summary>
/// The most frequent values of a stream in fixed memory (Metwally et al., "Space-Saving"): at most
/// <c>capacity</c> values are tracked; a new value when full takes the place of the least counted
/// one and inherits its count as its possible error. Counts are exact while fewer than
/// <c>capacity</c> distinct values were seen (<see cref="Exact"/>); otherwise every value whose true
/// count exceeds total/capacity is still tracked, with a count too high by at most its error.
/// A min-heap keeps the least counted value at hand, so each update costs O(log capacity).
/// </summary>
public sealed class TopCounter(int capacity)
{
    sealed class Entry(string value)
    {
        public string Value = value;
        public long Count;
        public long Error;
        public int Heap;
        public readonly long[] Reasons = new long[Rollout.Reasons.All.Count];
    }

    readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);
    readonly List<Entry> heap = [];

    public bool Exact { get; private set; } = true;

    public void Add(string value, int reason)
    {
        if (!entries.TryGetValue(value, out var entry))
        {
            if (heap.Count < capacity)
            {
                entry = new(value) { Heap = heap.Count };
                heap.Add(entry);
            }
            else
            {
                Exact = false;
                entry = heap[0];
                entries.Remove(entry.Value);
                entry.Value = value;
                entry.Error = entry.Count;
                Array.Clear(entry.Reasons);
            }
            entries[value] = entry;
        }
        entry.Count++;
        if (reason >= 0)
            entry.Reasons[reason]++;
        SiftUp(entry.Heap);
        SiftDown(entry.Heap);
    }

    // A value appended as a leaf with count 1 may be below its parent; a grown count only sinks.
    void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (heap[parent].Count <= heap[i].Count)
                return;
            (heap[i], heap[parent]) = (heap[parent], heap[i]);
            heap[i].Heap = i;
            heap[parent].Heap = parent;
            i = parent;
        }
    }

    /// <summary>The <paramref name="count"/> most counted values, most first, ties by value.</summary>
    public IReadOnlyList<TopEntry> Top(int count) =>
        [.. heap.OrderByDescending(e => e.Count).ThenBy(e => e.Value, StringComparer.Ordinal).Take(count).Select(Describe)];

    public IEnumerable<TopEntry> All => heap.Select(Describe);

    static TopEntry Describe(Entry e) =>
        new(e.Value, e.Count, new SortedDictionary<string, long>(
            Enumerable.Range(0, e.Reasons.Length).Where(i => e.Reasons[i] > 0).ToDictionary(i => Reasons.All[i], i => e.Reasons[i]), StringComparer.Ordinal),
            e.Error == 0 ? null : e.Error);

    void SiftDown(int i)
    {
        while (true)
        {
            var smallest = i;
            var left = 2 * i + 1;
            if (left < heap.Count && heap[left].Count < heap[smallest].Count)
                smallest = left;
            if (left + 1 < heap.Count && heap[left + 1].Count < heap[smallest].Count)
                smallest = left + 1;
            if (smallest == i)
                return;
            (heap[i], heap[smallest]) = (heap[smallest], heap[i]);
            heap[i].Heap = i;
            heap[smallest].Heap = smallest;
            i = smallest;
        }
    }
}

/// <summary>A value, how often it was seen, by reason; <c>error</c> (only once values were evicted) bounds how much the count may be too high.</summary>
public sealed record TopEntry(string Value, long Count, SortedDictionary<string, long> Reasons, long? Error = null);
