namespace PostTrain.Trainer.Tokenizers;

/// <summary>Batch encoding with padding and truncation for any <see cref="ITokenizer"/>.</summary>
public static class TokenizerBatchExtensions
{
    /// <summary>Encodes each text and pads the results into one rectangular batch.</summary>
    /// <exception cref="InvalidOperationException">No padding id was given and the tokenizer has neither a pad nor an end-of-sequence token.</exception>
    public static BatchEncoding EncodeBatch(this ITokenizer tokenizer, IReadOnlyList<string> texts, BatchEncodingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(texts);
        var sequences = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            sequences[i] = tokenizer.Encode(texts[i]);
        }

        return tokenizer.Pad(sequences, options);
    }

    /// <summary>Pads (and truncates) already-encoded sequences into one rectangular batch.</summary>
    /// <exception cref="InvalidOperationException">No padding id was given and the tokenizer has neither a pad nor an end-of-sequence token.</exception>
    public static BatchEncoding Pad(this ITokenizer tokenizer, IReadOnlyList<int[]> sequences, BatchEncodingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(sequences);
        options ??= new BatchEncodingOptions();
        if (options.MaxLength is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxLength, "MaxLength must not be negative");
        }

        if (options.PadToMultipleOf < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PadToMultipleOf, "PadToMultipleOf must be at least 1");
        }

        var padId = options.PadId ?? tokenizer.SpecialTokens.Pad?.Id ?? tokenizer.SpecialTokens.Eos?.Id
            ?? throw new InvalidOperationException("the tokenizer has no pad or end-of-sequence token; set BatchEncodingOptions.PadId");
        var lengths = new int[sequences.Count];
        var longest = 0;
        for (var i = 0; i < sequences.Count; i++)
        {
            lengths[i] = Math.Min(sequences[i].Length, options.MaxLength ?? int.MaxValue);
            longest = Math.Max(longest, lengths[i]);
        }

        var width = (longest + options.PadToMultipleOf - 1) / options.PadToMultipleOf * options.PadToMultipleOf;
        var ids = new int[sequences.Count * width];
        var mask = new int[sequences.Count * width];
        Array.Fill(ids, padId);
        for (var i = 0; i < sequences.Count; i++)
        {
            var sequence = sequences[i].AsSpan();
            var kept = options.TruncationSide == PaddingSide.Right ? sequence[..lengths[i]] : sequence[(sequence.Length - lengths[i])..];
            var offset = (i * width) + (options.PaddingSide == PaddingSide.Right ? 0 : width - lengths[i]);
            kept.CopyTo(ids.AsSpan(offset));
            mask.AsSpan(offset, lengths[i]).Fill(1);
        }

        return new BatchEncoding(sequences.Count, width, ids, mask, lengths);
    }
}
