using PostTrain.Trainer.Tokenizers.Unicode;

namespace PostTrain.Trainer.Tokenizers;

/// <summary>The normalisation steps this implementation supports from tokenizer.json's <c>normalizer</c>: NFC and Lowercase, alone or in a Sequence.</summary>
internal sealed class TextNormalizer
{
    private readonly IReadOnlyList<NormalizationStep> _steps;

    public TextNormalizer(IReadOnlyList<NormalizationStep> steps)
    {
        _steps = steps;
    }

    /// <summary>The steps, in order.</summary>
    public IReadOnlyList<NormalizationStep> Steps => _steps;

    /// <summary>True when normalising <paramref name="text"/> would not change it; checked without allocating.</summary>
    public bool LeavesUnchanged(ReadOnlySpan<char> text)
    {
        foreach (var step in _steps)
        {
            var unchanged = step switch
            {
                NormalizationStep.Nfc => NfcNormalizer.IsQuickStable(text),
                NormalizationStep.Lowercase => !HasUpper(text),
                _ => false,
            };
            if (!unchanged)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Applies the steps in order.</summary>
    public string Normalize(string text)
    {
        foreach (var step in _steps)
        {
            text = step switch
            {
                NormalizationStep.Nfc => NfcNormalizer.Normalize(text),
                NormalizationStep.Lowercase => text.ToLowerInvariant(),
                _ => text,
            };
        }

        return text;
    }

    private static bool HasUpper(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (char.ToLowerInvariant(c) != c)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A normalisation step.</summary>
internal enum NormalizationStep
{
    Nfc,
    Lowercase,
}
