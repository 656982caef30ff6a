using System.Globalization;
using System.Text;

namespace PostTrain.Trainer.Tokenizers.Unicode;

/// <summary>
/// Unicode Normalization Form C in managed code. The runtime runs with InvariantGlobalization, where
/// <see cref="string.Normalize()"/> does nothing, so the canonical decomposition, ordering and composition
/// steps of UAX #15 are implemented here over tables generated from the Unicode Character Database
/// (<see cref="NfcData"/>; regenerate with generate_nfc_data.py).
/// </summary>
internal static class NfcNormalizer
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly byte[] BmpCombiningClass = new byte[0x10000];
    private static readonly Dictionary<int, byte> AstralCombiningClass = [];
    private static readonly Dictionary<int, int[]> Decompositions = [];
    private static readonly Dictionary<long, int> Compositions = [];
    private static readonly ulong[] BmpUnstable = new ulong[0x10000 / 64];
    private static readonly List<(int Start, int End)> AstralUnstable = [];

    static NfcNormalizer()
    {
        foreach (var (start, end, value) in Triples(NfcData.CombiningClasses))
        {
            for (var cp = start; cp <= end; cp++)
            {
                if (cp < 0x10000)
                {
                    BmpCombiningClass[cp] = (byte)value;
                }
                else
                {
                    AstralCombiningClass[cp] = (byte)value;
                }
            }
        }

        foreach (var entry in NfcData.Decompositions.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            var cp = Hex(entry.AsSpan(0, colon));
            Decompositions[cp] = entry[(colon + 1)..].Split(',').Select(x => Hex(x)).ToArray();
        }

        foreach (var (first, second, composite) in Triples(NfcData.Compositions))
        {
            Compositions[Key(first, second)] = composite;
        }

        var ranges = NfcData.UnstableRanges.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 1 < ranges.Length; i += 2)
        {
            int start = Hex(ranges[i]), end = Hex(ranges[i + 1]);
            for (var cp = start; cp <= end && cp < 0x10000; cp++)
            {
                BmpUnstable[cp >> 6] |= 1UL << (cp & 63);
            }

            if (end >= 0x10000)
            {
                AstralUnstable.Add((Math.Max(start, 0x10000), end));
            }
        }
    }

    /// <summary>True when every code point of <paramref name="text"/> is NFC-stable on its own, so the text is in NFC as it is.</summary>
    public static bool IsQuickStable(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x300)
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var cp = char.ConvertToUtf32(c, text[i + 1]);
                i++;
                foreach (var (start, end) in AstralUnstable)
                {
                    if (cp >= start && cp <= end)
                    {
                        return false;
                    }
                }

                continue;
            }

            if ((BmpUnstable[c >> 6] & (1UL << (c & 63))) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the NFC form of <paramref name="text"/> (the same instance when it is already stable).</summary>
    public static string Normalize(string text)
    {
        if (IsQuickStable(text))
        {
            return text;
        }

        var decomposed = new List<int>(text.Length + 8);
        for (var i = 0; i < text.Length; i++)
        {
            int cp = text[i];
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                cp = char.ConvertToUtf32(text[i], text[i + 1]);
                i++;
            }

            Decompose(cp, decomposed);
        }

        CanonicalOrder(decomposed);
        Compose(decomposed);
        var sb = new StringBuilder(decomposed.Count + 8);
        foreach (var cp in decomposed)
        {
            if (cp >= 0xD800 && cp <= 0xDFFF)
            {
                sb.Append((char)cp); // a lone surrogate stays as it was
            }
            else
            {
                sb.Append(new Rune(cp).ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>The canonical combining class of a code point.</summary>
    public static int CombiningClass(int cp)
    {
        if (cp < 0x10000)
        {
            return BmpCombiningClass[cp];
        }

        return AstralCombiningClass.TryGetValue(cp, out var value) ? value : 0;
    }

    private static void Decompose(int cp, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            var s = cp - SBase;
            output.Add(LBase + (s / NCount));
            output.Add(VBase + (s % NCount / TCount));
            if (s % TCount != 0)
            {
                output.Add(TBase + (s % TCount));
            }

            return;
        }

        if (Decompositions.TryGetValue(cp, out var parts))
        {
            output.AddRange(parts);
        }
        else
        {
            output.Add(cp);
        }
    }

    private static void CanonicalOrder(List<int> cps)
    {
        // Stable insertion sort by combining class within each run of non-starters.
        for (var i = 1; i < cps.Count; i++)
        {
            var cc = CombiningClass(cps[i]);
            if (cc == 0)
            {
                continue;
            }

            var j = i;
            var current = cps[i];
            while (j > 0)
            {
                var prevClass = CombiningClass(cps[j - 1]);
                if (prevClass == 0 || prevClass <= cc)
                {
                    break;
                }

                cps[j] = cps[j - 1];
                j--;
            }

            cps[j] = current;
        }
    }

    private static void Compose(List<int> cps)
    {
        if (cps.Count == 0)
        {
            return;
        }

        var starterPos = 0;
        var starter = cps[0];
        var lastClass = CombiningClass(starter);
        if (lastClass != 0)
        {
            lastClass = 256; // a leading non-starter blocks composition
        }

        var write = 1;
        for (var read = 1; read < cps.Count; read++)
        {
            var ch = cps[read];
            var chClass = CombiningClass(ch);
            var composite = ComposePair(starter, ch);
            if (composite >= 0 && (lastClass < chClass || lastClass == 0))
            {
                cps[starterPos] = composite;
                starter = composite;
                continue;
            }

            if (chClass == 0)
            {
                starterPos = write;
                starter = ch;
            }

            lastClass = chClass;
            cps[write++] = ch;
        }

        cps.RemoveRange(write, cps.Count - write);
    }

    private static int ComposePair(int first, int second)
    {
        if (first >= LBase && first < LBase + LCount && second >= VBase && second < VBase + VCount)
        {
            return SBase + ((((first - LBase) * VCount) + (second - VBase)) * TCount);
        }

        if (first >= SBase && first < SBase + SCount && (first - SBase) % TCount == 0 && second > TBase && second < TBase + TCount)
        {
            return first + (second - TBase);
        }

        return Compositions.TryGetValue(Key(first, second), out var composite) ? composite : -1;
    }

    private static long Key(int first, int second) => ((long)first << 21) | (uint)second;

    private static int Hex(ReadOnlySpan<char> s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static IEnumerable<(int, int, int)> Triples(string data)
    {
        var parts = data.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 2 < parts.Length; i += 3)
        {
            yield return (Hex(parts[i]), Hex(parts[i + 1]), Hex(parts[i + 2]));
        }
    }
}
