namespace PostTrain.Trainer.Generation;

/// <summary>How to pick each next token, and when to stop.</summary>
public sealed record SamplingOptions
{
    /// <summary>Softmax temperature; 0 means greedy (argmax).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of tokens whose probability reaches p (nucleus sampling); 1 keeps all.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Most tokens generated per sequence.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Seed of the sampling generator; the same seed, model and prompts give the same samples.</summary>
    public ulong Seed { get; init; }

    /// <summary>Token ids that end a sequence (kept as its last token).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Strings that end a sequence; the text is cut before the first one.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Greedy decoding with the given length and stop conditions.</summary>
    public static SamplingOptions Greedy(int maxNewTokens, IReadOnlyList<int>? eos = null) =>
        new() { Temperature = 0, MaxNewTokens = maxNewTokens, EosTokenIds = eos ?? [] };

    /// <summary>Throws when an option is out of range.</summary>
    public void Validate()
    {
        if (Temperature < 0 || double.IsNaN(Temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "temperature must be >= 0");
        }

        if (TopK < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "topK must be >= 0");
        }

        if (TopP is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "topP must be in (0, 1]");
        }

        if (MaxNewTokens <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "maxNewTokens must be > 0");
        }
    }
}

/// <summary>Why a sequence stopped.</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence token was generated.</summary>
    Eos,

    /// <summary>A stop string appeared in the text.</summary>
    Stop,

    /// <summary>The token budget ran out.</summary>
    Length,
}

/// <summary>One generated continuation.</summary>
/// <param name="Tokens">The generated ids (the EOS id included when one ended the sequence).</param>
/// <param name="LogProbs">Per generated token, its log-probability under the temperature-scaled model distribution (before top-k/top-p truncation; temperature 1 for greedy).</param>
/// <param name="Text">The decoded continuation, cut before a stop string; null when no decoder was given.</param>
/// <param name="Reason">Why generation stopped.</param>
public sealed record GenerationResult(int[] Tokens, float[] LogProbs, string? Text, FinishReason Reason);
