using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// Byte-level BPE: a piece of text is spelled as its UTF-8 bytes (one base token per byte) and adjacent
/// tokens are merged, lowest merge rank first (leftmost on ties), until no merge applies — the algorithm
/// of Hugging Face tokenizers' BPE model. Merges are looked up in a dictionary keyed by the id pair;
/// results are cached per piece.
/// </summary>
internal sealed class BpeModel
{
    /// <summary>Pieces up to this many symbols merge with an array scan; longer ones with a priority queue.</summary>
    internal const int ScanLimit = 192;

    private const int MaxCachedPieceLength = 64;
    private const int MaxCacheEntries = 1 << 18;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabLookup;
    private readonly Dictionary<long, MergeRule> _merges;
    private readonly int[] _byteIds = new int[256];
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheLookup;
    private int _cacheCount;

    /// <summary>Builds the model; merges are given in rank order as token pairs.</summary>
    /// <exception cref="TokenizerFormatException">A merge names a token, or produces one, that is not in the vocabulary.</exception>
    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges, int? unkId, string source)
    {
        _vocab = vocab;
        _vocabLookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        _cacheLookup = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        IgnoreMerges = ignoreMerges;
        UnkId = unkId;
        _merges = new Dictionary<long, MergeRule>(merges.Count, PairKeyComparer.Instance);
        var mergeList = new List<(int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out var leftId) || !vocab.TryGetValue(right, out var rightId))
            {
                throw new TokenizerFormatException($"{source}: model.merges[{rank}] \"{left} {right}\" names a token that is not in model.vocab");
            }

            if (!vocab.TryGetValue(string.Concat(left, right), out var mergedId))
            {
                throw new TokenizerFormatException($"{source}: model.merges[{rank}] \"{left} {right}\" produces \"{left}{right}\", which is not in model.vocab");
            }

            _merges.TryAdd(Key(leftId, rightId), new MergeRule(rank, mergedId));
            mergeList.Add((leftId, rightId));
        }

        Merges = mergeList;
        for (var b = 0; b < 256; b++)
        {
            _byteIds[b] = vocab.TryGetValue(ByteLevelAlphabet.ByteToChar[b].ToString(), out var id) ? id : -1;
        }
    }

    /// <summary>The vocabulary: token spelling (byte-level characters) to id.</summary>
    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    /// <summary>The merges in rank order, as id pairs.</summary>
    public IReadOnlyList<(int Left, int Right)> Merges { get; }

    /// <summary>Llama 3's option: a piece that is itself in the vocabulary becomes that token without merging.</summary>
    public bool IgnoreMerges { get; }

    /// <summary>The id used for bytes that have no token, if any; without one they are dropped (as Hugging Face does).</summary>
    public int? UnkId { get; }

    /// <summary>The id of a vocabulary token, or -1.</summary>
    public int IdOf(ReadOnlySpan<char> token) => _vocabLookup.TryGetValue(token, out var id) ? id : -1;

    /// <summary>Encodes one pre-tokenized piece of (normalised) text and appends its ids.</summary>
    public void EncodePiece(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty)
        {
            return;
        }

        var cacheable = piece.Length <= MaxCachedPieceLength;
        if (cacheable && _cacheLookup.TryGetValue(piece, out var cached))
        {
            output.AddRange(cached);
            return;
        }

        var maxBytes = Encoding.UTF8.GetMaxByteCount(piece.Length);
        byte[]? rentedBytes = null;
        var bytes = maxBytes <= 512 ? stackalloc byte[maxBytes] : (rentedBytes = ArrayPool<byte>.Shared.Rent(maxBytes));
        var byteCount = Encoding.UTF8.GetBytes(piece, bytes);
        int[]? rentedIds = null;
        var ids = byteCount <= 256 ? stackalloc int[byteCount] : (rentedIds = ArrayPool<int>.Shared.Rent(byteCount));
        try
        {
            var count = EncodeBytes(bytes[..byteCount], ids);
            var result = ids[..count];
            if (cacheable)
            {
                var array = result.ToArray();
                if (Volatile.Read(ref _cacheCount) >= MaxCacheEntries)
                {
                    // ConcurrentDictionary.Count takes every lock, so the size is tracked separately.
                    _cache.Clear();
                    Volatile.Write(ref _cacheCount, 0);
                }

                if (_cacheLookup.TryAdd(piece, array))
                {
                    Interlocked.Increment(ref _cacheCount);
                }

                output.AddRange(array);
            }
            else
            {
                output.AddRange(result);
            }
        }
        finally
        {
            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }

            if (rentedIds is not null)
            {
                ArrayPool<int>.Shared.Return(rentedIds);
            }
        }
    }

    /// <summary>Encodes UTF-8 bytes into <paramref name="ids"/> (at least as long as the bytes); returns the number of ids.</summary>
    internal int EncodeBytes(ReadOnlySpan<byte> bytes, Span<int> ids)
    {
        if (IgnoreMerges)
        {
            Span<char> spelled = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
            for (var i = 0; i < bytes.Length; i++)
            {
                spelled[i] = ByteLevelAlphabet.ByteToChar[bytes[i]];
            }

            if (_vocabLookup.TryGetValue(spelled, out var whole))
            {
                ids[0] = whole;
                return 1;
            }
        }

        var n = 0;
        foreach (var b in bytes)
        {
            var id = _byteIds[b];
            if (id >= 0)
            {
                ids[n++] = id;
            }
            else if (UnkId is { } unk)
            {
                ids[n++] = unk;
            }
        }

        return n <= ScanLimit ? MergeByScan(ids, n) : MergeByQueue(ids, n);
    }

    /// <summary>Merges with an array of pair ranks: O(n) lookups and O(n²) cheap scans, best for short pieces.</summary>
    internal int MergeByScan(Span<int> ids, int n)
    {
        if (n < 2)
        {
            return n;
        }

        Span<int> ranks = stackalloc int[ScanLimit];
        Span<int> mergedIds = stackalloc int[ScanLimit];
        if (n > ScanLimit)
        {
            ranks = new int[n];
            mergedIds = new int[n];
        }

        for (var i = 0; i + 1 < n; i++)
        {
            Lookup(ids[i], ids[i + 1], out ranks[i], out mergedIds[i]);
        }

        while (n > 1)
        {
            var best = -1;
            var bestRank = int.MaxValue;
            for (var i = 0; i + 1 < n; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            ids[best] = mergedIds[best];
            var tail = n - best - 2;
            ids.Slice(best + 2, tail).CopyTo(ids.Slice(best + 1));
            ranks.Slice(best + 2, Math.Max(0, tail - 1)).CopyTo(ranks.Slice(best + 1));
            mergedIds.Slice(best + 2, Math.Max(0, tail - 1)).CopyTo(mergedIds.Slice(best + 1));
            n--;
            if (best > 0)
            {
                Lookup(ids[best - 1], ids[best], out ranks[best - 1], out mergedIds[best - 1]);
            }

            if (best + 1 < n)
            {
                Lookup(ids[best], ids[best + 1], out ranks[best], out mergedIds[best]);
            }
        }

        return n;
    }

    /// <summary>Merges with a linked list and a priority queue of candidate pairs: O(n log n), for long pieces.</summary>
    internal int MergeByQueue(Span<int> ids, int n)
    {
        if (n < 2)
        {
            return n;
        }

        var symbols = ids[..n].ToArray();
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        var queue = new PriorityQueue<int, long>();
        for (var i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
            if (i + 1 < n)
            {
                Enqueue(queue, symbols, i, i + 1);
            }
        }

        while (queue.TryDequeue(out var pos, out var priority))
        {
            var right = next[pos];
            if (!alive[pos] || right < 0)
            {
                continue;
            }

            Lookup(symbols[pos], symbols[right], out var rank, out var merged);
            if (rank != (int)(priority >> 32))
            {
                continue; // stale entry: the pair at pos changed since it was queued
            }

            symbols[pos] = merged;
            alive[right] = false;
            next[pos] = next[right];
            if (next[right] >= 0)
            {
                prev[next[right]] = pos;
                Enqueue(queue, symbols, pos, next[right]);
            }

            if (prev[pos] >= 0)
            {
                Enqueue(queue, symbols, prev[pos], pos);
            }
        }

        var count = 0;
        for (var i = 0; i >= 0; i = next[i])
        {
            ids[count++] = symbols[i];
        }

        return count;
    }

    private void Enqueue(PriorityQueue<int, long> queue, int[] symbols, int left, int right)
    {
        Lookup(symbols[left], symbols[right], out var rank, out _);
        if (rank != int.MaxValue)
        {
            queue.Enqueue(left, ((long)rank << 32) | (uint)left);
        }
    }

    private void Lookup(int left, int right, out int rank, out int merged)
    {
        if (_merges.TryGetValue(Key(left, right), out var rule))
        {
            rank = rule.Rank;
            merged = rule.Id;
        }
        else
        {
            rank = int.MaxValue;
            merged = -1;
        }
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private readonly record struct MergeRule(int Rank, int Id);

    /// <summary>
    /// Hashes id pairs well: long.GetHashCode is left ^ right here, which collides massively for 150k merges
    /// (every (a, b) with (b, a), and all pairs with equal xor), turning lookups into long chain walks.
    /// </summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static PairKeyComparer Instance { get; } = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long obj) => (int)(((ulong)obj * 0x9E3779B97F4A7C15UL) >> 32);
    }
}
