namespace PostTrain.Trainer.Tokenizers;

/// <summary>How <see cref="TokenizerBatchExtensions.EncodeBatch"/> pads and truncates.</summary>
public sealed record BatchEncodingOptions
{
    /// <summary>Where padding goes. Default: right.</summary>
    public PaddingSide PaddingSide { get; init; } = PaddingSide.Right;

    /// <summary>Sequences longer than this are truncated; null keeps every token.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Which end truncation removes tokens from. Default: right (the end of the text).</summary>
    public PaddingSide TruncationSide { get; init; } = PaddingSide.Right;

    /// <summary>The padded length is rounded up to a multiple of this (1: no rounding).</summary>
    public int PadToMultipleOf { get; init; } = 1;

    /// <summary>The padding id; null uses the tokenizer's pad token, else its end-of-sequence token.</summary>
    public int? PadId { get; init; }
}
