using FsCheck;
using FsCheck.Fluent;

namespace PostTrain.Trainer.Tests.Tokenizers;

/// <summary>FsCheck generators of Unicode text: valid code points from all planes, weighted towards the scripts and whitespace tokenizers care about.</summary>
internal static class UnicodeStrings
{
    /// <summary>Arbitrary valid Unicode (no lone surrogates), up to about 40 code points.</summary>
    public static Arbitrary<string> Any { get; } = Arb.From(StringOf(CodePoint(allowAstral: true)));

    /// <summary>BMP-only strings without the whitespace characters the JavaScript and Oniguruma \s disagree on.</summary>
    public static Arbitrary<string> Bmp { get; } = Arb.From(StringOf(CodePoint(allowAstral: false)));

    private static Gen<string> StringOf(Gen<int> codePoint) =>
        Gen.Choose(0, 40).SelectMany(n => Gen.ArrayOf(codePoint, n)).Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));

    private static Gen<int> CodePoint(bool allowAstral)
    {
        var ranges = new List<(int Weight, Gen<int> Gen)>
        {
            (6, Gen.Choose(0x20, 0x7E)),
            (3, Gen.Elements(0x20, 0x20, 0x0A, 0x0D, 0x09, 0x27, 0xA0, 0x3000, 0x2009)),
            (2, Gen.Choose(0x80, 0x24F)),
            (2, Gen.Choose(0x300, 0x36F)),
            (1, Gen.Choose(0x370, 0x6FF)),
            (2, Gen.Choose(0x3040, 0x30FF)),
            (2, Gen.Choose(0x4E00, 0x9FFF)),
            (1, Gen.Choose(0xAC00, 0xD7A3)),
            (1, Gen.Choose(0x0, 0xD7FF)),
            (1, Gen.Choose(0xE000, 0xFFFD)),
        };
        if (allowAstral)
        {
            ranges.Add((2, Gen.Choose(0x1F300, 0x1FAFF)));
            ranges.Add((1, Gen.Choose(0x1D400, 0x1D7FF)));
            ranges.Add((1, Gen.Choose(0x10000, 0x10FFFF)));
        }

        var gen = Gen.Frequency(ranges.Select(r => (r.Weight, r.Gen)).ToArray());
        return allowAstral ? gen : gen.Where(cp => cp is not (0x85 or 0xFEFF));
    }
}
