using System.Globalization;

namespace PostTrain.Trainer.Tokenizers.PreTokenization;

/// <summary>The character classes that the GPT-style split patterns distinguish: <c>\p{L}</c>, <c>\p{N}</c>, <c>\s</c> and the rest.</summary>
internal enum CharKind : byte
{
    Other,
    Letter,
    Number,
    Space,
}

/// <summary>
/// Classifies code points the way the Hugging Face (Oniguruma) regexes do: <c>\p{L}</c> and <c>\p{N}</c>
/// by general category, <c>\s</c> by the White_Space property (which includes U+0085 and excludes U+FEFF;
/// .NET's <c>\s</c> is the same set). Astral code points are classified as whole code points.
/// </summary>
internal static class CharClass
{
    private static readonly CharKind[] Bmp = BuildBmp();

    public static CharKind Of(int cp) => cp < 0x10000 ? Bmp[cp] : Compute(cp);

    /// <summary>Reads the code point at <paramref name="index"/>; a lone surrogate is returned as itself.</summary>
    public static int CodePointAt(string text, int index, int end, out int width)
    {
        var c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < end && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }

        width = 1;
        return c;
    }

    public static bool IsWhiteSpace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    private static CharKind[] BuildBmp()
    {
        var table = new CharKind[0x10000];
        for (var cp = 0; cp < 0x10000; cp++)
        {
            table[cp] = cp is >= 0xD800 and <= 0xDFFF ? CharKind.Other : Compute(cp);
        }

        return table;
    }

    private static CharKind Compute(int cp)
    {
        if (IsWhiteSpace(cp))
        {
            return CharKind.Space;
        }

        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                return CharKind.Letter;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return CharKind.Number;
            default:
                return CharKind.Other;
        }
    }
}
