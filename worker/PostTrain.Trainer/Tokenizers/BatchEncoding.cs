namespace PostTrain.Trainer.Tokenizers;

/// <summary>
/// A padded batch of token sequences as two row-major [batch, length] arrays, ready to become tensors:
/// <see cref="InputIds"/> and <see cref="AttentionMask"/> (1 on real tokens, 0 on padding).
/// </summary>
public sealed class BatchEncoding
{
    internal BatchEncoding(int batchSize, int sequenceLength, int[] inputIds, int[] attentionMask, int[] lengths)
    {
        BatchSize = batchSize;
        SequenceLength = sequenceLength;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        Lengths = lengths;
    }

    /// <summary>Number of rows.</summary>
    public int BatchSize { get; }

    /// <summary>Number of columns (the padded length).</summary>
    public int SequenceLength { get; }

    /// <summary>Token ids, row-major, BatchSize × SequenceLength.</summary>
    public int[] InputIds { get; }

    /// <summary>1 where <see cref="InputIds"/> holds a real token, 0 on padding; row-major like it.</summary>
    public int[] AttentionMask { get; }

    /// <summary>The number of real tokens in each row.</summary>
    public IReadOnlyList<int> Lengths { get; }

    /// <summary>The ids of one row, padding included.</summary>
    public ReadOnlySpan<int> Row(int index) => InputIds.AsSpan(index * SequenceLength, SequenceLength);

    /// <summary>The attention mask of one row.</summary>
    public ReadOnlySpan<int> MaskRow(int index) => AttentionMask.AsSpan(index * SequenceLength, SequenceLength);
}
