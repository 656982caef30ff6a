namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// GPT-2's byte-to-character table ("bytes_to_unicode"): every byte maps to a printable character so
/// that byte-level BPE tokens are strings. Printable Latin-1 bytes map to themselves; the others to U+0100 onwards.
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character that stands for each byte.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The byte each alphabet character stands for, or -1, indexed by char (all are below U+0144).</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + next++);
        }

        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[0x200];
        Array.Fill(map, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (short)b;
        }

        return map;
    }

    /// <summary>The byte for an alphabet character, or -1 when the character is not in the alphabet.</summary>
    public static int ByteOf(char c) => c < CharToByte.Length ? CharToByte[c] : -1;

    /// <summary>Spells bytes in the alphabet.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, arr) =>
        {
            for (var i = 0; i < arr.Length; i++)
            {
                span[i] = ByteToChar[arr[i]];
            }
        });
    }

    /// <summary>Appends the bytes a token spells to <paramref name="output"/>; false (nothing appended) when a character is outside the alphabet.</summary>
    public static bool TryDecode(string token, List<byte> output)
    {
        foreach (var c in token)
        {
            if (ByteOf(c) < 0)
            {
                return false;
            }
        }

        foreach (var c in token)
        {
            output.Add((byte)ByteOf(c));
        }

        return true;
    }
}
