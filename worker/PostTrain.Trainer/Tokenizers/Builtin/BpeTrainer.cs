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
        var where = new Dictionary<long, HashSet<int>>();
        for (var w = 0; w < corpus.Count; w++)
        {
            AddPairs(corpus[w].Symbols, corpus[w].Weight, w, counts, where);
        }

        while (merges.Count < maxMerges)
        {
            var best = 0L;
            var bestCount = 0L;
            foreach (var (pair, count) in counts)
            {
                if (count > bestCount || (count == bestCount && count > 0 && Compare(pair, best, spellings) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }

            if (bestCount == 0)
            {
                break;
            }

            int left = (int)(best >> 32), right = (int)(best & 0xFFFFFFFF);
            merges.Add((spellings[left], spellings[right]));
            var merged = IdOf(spellings[left] + spellings[right]);

            // Only the words holding the pair change: take their pairs out, merge, put their pairs back.
            foreach (var w in where[best].ToArray())
            {
                var (symbols, weight) = corpus[w];
                RemovePairs(symbols, weight, counts);
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == left && symbols[i + 1] == right)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }

                AddPairs(symbols, weight, w, counts, where);
            }
        }

        return merges;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static void AddPairs(List<int> symbols, long weight, int word, Dictionary<long, long> counts, Dictionary<long, HashSet<int>> where)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            var key = Key(symbols[i], symbols[i + 1]);
            counts[key] = counts.GetValueOrDefault(key) + weight;
            if (!where.TryGetValue(key, out var words))
            {
                where[key] = words = [];
            }

            words.Add(word);
        }
    }

    private static void RemovePairs(List<int> symbols, long weight, Dictionary<long, long> counts)
    {
        // The word stays listed under pairs it no longer holds; merging such a pair later leaves it unchanged.
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            var key = Key(symbols[i], symbols[i + 1]);
            counts[key] -= weight;
        }
    }

    private static int Compare(long a, long b, List<string> spellings)
    {
        var first = string.CompareOrdinal(spellings[(int)(a >> 32)], spellings[(int)(b >> 32)]);
        return first != 0 ? first : string.CompareOrdinal(spellings[(int)(a & 0xFFFFFFFF)], spellings[(int)(b & 0xFFFFFFFF)]);
    }
}
