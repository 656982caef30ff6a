namespace PostTrain.Trainer.Tokenizers.Builtin;

/// <summary>
/// A small, deterministic byte-level BPE trainer: starting from the 256 byte tokens, repeatedly merges the
/// most frequent adjacent pair (ties broken by the pair's spelling, ordinally) over weighted words until the
/// vocabulary reaches the requested size or nothing is left to merge. Used to build the built-in
/// tokenizers; fast for word lists of a few thousand entries.
/// </summary>
internal static class BpeTrainer
{
    /// <summary>Trains merges; <paramref name="words"/> are byte-level spelled pieces with their weights.</summary>
    public static List<(string Left, string Right)> Train(IEnumerable<(string Word, int Weight)> words, int maxMerges)
    {
        var corpus = words
            .GroupBy(w => w.Word, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Symbols: g.Key.Select(c => c.ToString()).ToList(), Weight: g.Sum(w => w.Weight)))
            .ToList();
        var merges = new List<(string, string)>();
        var counts = new Dictionary<(string, string), long>();
        while (merges.Count < maxMerges)
        {
            counts.Clear();
            foreach (var (symbols, weight) in corpus)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = (symbols[i], symbols[i + 1]);
                    counts[pair] = counts.GetValueOrDefault(pair) + weight;
                }
            }

            if (counts.Count == 0)
            {
                break;
            }

            var best = default((string, string));
            var bestCount = -1L;
            foreach (var (pair, count) in counts)
            {
                if (count > bestCount || (count == bestCount && Compare(pair, best) < 0))
                {
                    best = pair;
                    bestCount = count;
                }
            }

            merges.Add(best);
            var merged = best.Item1 + best.Item2;
            foreach (var (symbols, _) in corpus)
            {
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == best.Item1 && symbols[i + 1] == best.Item2)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }

        return merges;
    }

    private static int Compare((string, string) a, (string, string) b)
    {
        var first = string.CompareOrdinal(a.Item1, b.Item1);
        return first != 0 ? first : string.CompareOrdinal(a.Item2, b.Item2);
    }
}
