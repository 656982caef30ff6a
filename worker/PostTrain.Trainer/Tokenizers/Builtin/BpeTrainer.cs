namespace PostTrain.Trainer.Tokenizers.Builtin;

/// <summary>
/// A small, deterministic byte-level BPE trainer: starting from single characters, repeatedly merges the most
/// frequent adjacent pair over weighted words (ties broken by the pair's spelling, ordinally) until
/// <c>maxMerges</c> merges exist or nothing is left to merge. Used to build the built-in tokenizers; fast for
/// word lists of a few thousand entries.
/// </summary>
internal static class BpeTrainer
{
    /// <summary>Trains merges; <paramref name="words"/> are byte-level spelled pieces with their weights.</summary>
    public static List<(string Left, string Right)> Train(IEnumerable<(string Word, int Weight)> words, int maxMerges)
    {
        var spellings = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int IdOf(string s)
        {
            if (!ids.TryGetValue(s, out var id))
            {
                id = spellings.Count;
                spellings.Add(s);
                ids[s] = id;
            }

            return id;
        }

        var corpus = words
            .GroupBy(w => w.Word, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Symbols: g.Key.Select(c => IdOf(c.ToString())).ToList(), Weight: (long)g.Sum(w => w.Weight)))
            .ToList();
        var merges = new List<(string, string)>();
        var counts = new Dictionary<long, long>();
        while (merges.Count < maxMerges)
        {
            counts.Clear();
            foreach (var (symbols, weight) in corpus)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var key = Key(symbols[i], symbols[i + 1]);
                    counts[key] = counts.GetValueOrDefault(key) + weight;
                }
            }

            if (counts.Count == 0)
            {
                break;
            }

            var best = 0L;
            var bestCount = -1L;
            foreach (var (pair, count) in counts)
            {
                if (count > bestCount || (count == bestCount && Compare(pair, best, spellings) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }

            int left = (int)(best >> 32), right = (int)(best & 0xFFFFFFFF);
            merges.Add((spellings[left], spellings[right]));
            var merged = IdOf(spellings[left] + spellings[right]);
            foreach (var (symbols, _) in corpus)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == left && symbols[i + 1] == right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }

        return merges;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static int Compare(long a, long b, List<string> spellings)
    {
        var first = string.CompareOrdinal(spellings[(int)(a >> 32)], spellings[(int)(b >> 32)]);
        return first != 0 ? first : string.CompareOrdinal(spellings[(int)(a & 0xFFFFFFFF)], spellings[(int)(b & 0xFFFFFFFF)]);
    }
}
