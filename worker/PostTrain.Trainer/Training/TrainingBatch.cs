using PostTrain.Torch;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Training;

/// <summary>
/// Model inputs for one micro-batch: ids [rows, seq], next-token targets [rows, seq] (already shifted: the target at t
/// is the token at t + 1, or −100), and either a padding mask, packed positions with a block-diagonal causal mask, or
/// (<see cref="Varlen"/>) one row of every sequence's tokens with restarting positions and sequence boundaries.
/// </summary>
public sealed class TrainingBatch : IDisposable
{
    private TrainingBatch(Tensor inputIds, Tensor targets, Tensor? attentionMask, Tensor? positionIds, Tensor? packedMask, int targetCount, int tokenCount, long[] flatTargets, Device device, Tensor? cuSeqlens = null)
    {
        CuSeqlens = cuSeqlens;
        InputIds = inputIds;
        Targets = targets;
        var labelled = new List<long>(targetCount);
        for (var i = 0; i < flatTargets.Length; i++)
        {
            if (flatTargets[i] != TokenizedSequence.Ignore)
            {
                labelled.Add(i);
            }
        }

        Labelled = TorchOps.FromArray(labelled.ToArray(), device, labelled.Count);
        AttentionMask = attentionMask;
        PositionIds = positionIds;
        PackedMask = packedMask;
        TargetCount = targetCount;
        TokenCount = tokenCount;
    }

    /// <summary>Token ids [rows, seq].</summary>
    public Tensor InputIds { get; }

    /// <summary>Shifted targets [rows, seq], −100 where no loss is taken.</summary>
    public Tensor Targets { get; }

    /// <summary>
    /// 1 for real tokens, 0 for padding [rows, seq]; null for packed batches, and when no row is padded (attention is
    /// then plain causal, which the fused kernels run fastest).
    /// </summary>
    public Tensor? AttentionMask { get; }

    /// <summary>
    /// Flat indices (into the batch's rows × length) of the positions that have a target, int64 [labelled]: the loss
    /// projects only these onto the vocabulary.
    /// </summary>
    public Tensor Labelled { get; }

    /// <summary>Positions restarting at each packed document [rows, seq]; null for padded batches.</summary>
    public Tensor? PositionIds { get; }

    /// <summary>Block-diagonal causal mask [rows, 1, seq, seq]; null for padded and varlen batches.</summary>
    public Tensor? PackedMask { get; }

    /// <summary>
    /// For <see cref="Varlen"/> batches, the sequence boundaries in the single row, int64 [sequences + 1] on the CPU
    /// (0, then each sequence's end); null otherwise.
    /// </summary>
    public Tensor? CuSeqlens { get; }

    /// <summary>Positions that carry loss.</summary>
    public int TargetCount { get; }

    /// <summary>Real (non-padding) tokens, for throughput.</summary>
    public int TokenCount { get; }

    /// <summary>
    /// Right-pads the sequences to the longest one; the tensors are made on <paramref name="device"/> (the CPU by
    /// default). Sequences of one length need no mask.
    /// </summary>
    public static TrainingBatch Padded(IReadOnlyList<TokenizedSequence> sequences, int padTokenId, Device? device = null)
    {
        var on = device ?? Device.Cpu;
        ArgumentNullException.ThrowIfNull(sequences);
        var rows = sequences.Count;
        var length = sequences.Max(s => s.Length);
        var ids = new long[rows * length];
        var targets = new long[rows * length];
        var mask = new long[rows * length];
        for (var r = 0; r < rows; r++)
        {
            var s = sequences[r];
            for (var t = 0; t < length; t++)
            {
                var i = (r * length) + t;
                ids[i] = t < s.Length ? s.InputIds[t] : padTokenId;
                mask[i] = t < s.Length ? 1 : 0;
                targets[i] = TargetAt(s, t);
            }
        }

        var padded = sequences.Any(s => s.Length < length);
        return new TrainingBatch(
            TorchOps.FromArray(ids, on, rows, length),
            TorchOps.FromArray(targets, on, rows, length),
            padded ? TorchOps.FromArray(mask, on, rows, length) : null,
            null,
            null,
            sequences.Sum(s => s.TargetCount),
            sequences.Sum(s => s.Length),
            targets,
            on);
    }

    /// <summary>
    /// Packs the sequences first-fit, in order, into rows of at most <paramref name="rowLength"/> tokens; a token
    /// attends only to earlier tokens of its own document, and positions restart at each document.
    /// </summary>
    public static TrainingBatch Packed(IReadOnlyList<TokenizedSequence> sequences, int rowLength, int padTokenId, Device? device = null)
    {
        var on = device ?? Device.Cpu;
        ArgumentNullException.ThrowIfNull(sequences);
        var rows = new List<List<TokenizedSequence>>();
        var used = new List<int>();
        foreach (var s in sequences)
        {
            if (s.Length > rowLength)
            {
                throw new ArgumentException($"a sequence of {s.Length} tokens does not fit a packed row of {rowLength}", nameof(sequences));
            }

            var row = used.FindIndex(u => u + s.Length <= rowLength);
            if (row < 0)
            {
                rows.Add([]);
                used.Add(0);
                row = rows.Count - 1;
            }

            rows[row].Add(s);
            used[row] += s.Length;
        }

        var length = used.Max();
        var count = rows.Count;
        var ids = new long[count * length];
        var targets = new long[count * length];
        var positions = new long[count * length];
        var document = new int[count * length];
        Array.Fill(targets, TokenizedSequence.Ignore);
        Array.Fill(ids, padTokenId);
        Array.Fill(document, -1);
        for (var r = 0; r < count; r++)
        {
            var offset = 0;
            for (var d = 0; d < rows[r].Count; d++)
            {
                var s = rows[r][d];
                for (var t = 0; t < s.Length; t++)
                {
                    var i = (r * length) + offset + t;
                    ids[i] = s.InputIds[t];
                    positions[i] = t;
                    document[i] = d;
                    targets[i] = TargetAt(s, t);
                }

                offset += s.Length;
            }
        }

        var allowed = new bool[count * length * length];
        for (var r = 0; r < count; r++)
        {
            for (var q = 0; q < length; q++)
            {
                var dq = document[(r * length) + q];
                for (var k = 0; k <= q; k++)
                {
                    // Same document, causal; padding attends to itself only, so no row is empty.
                    allowed[(((r * length) + q) * length) + k] = k == q || (dq >= 0 && document[(r * length) + k] == dq);
                }
            }
        }

        return new TrainingBatch(
            TorchOps.FromArray(ids, on, count, length),
            TorchOps.FromArray(targets, on, count, length),
            null,
            TorchOps.FromArray(positions, on, count, length),
            TorchOps.FromArray(allowed, on, count, 1, length, length),
            sequences.Sum(s => s.TargetCount),
            sequences.Sum(s => s.Length),
            targets,
            on);
    }

    /// <summary>
    /// Concatenates the sequences into one row of their real tokens only (no padding, no mask): positions restart at
    /// each sequence, and <see cref="CuSeqlens"/> marks where each one ends, for attention that keeps every sequence
    /// to itself (<see cref="Functional.VarlenCausalAttention"/>). Targets are those of <see cref="Padded"/> without
    /// the padding, so the summed loss is the same.
    /// </summary>
    public static TrainingBatch Varlen(IReadOnlyList<TokenizedSequence> sequences, Device? device = null)
    {
        var on = device ?? Device.Cpu;
        ArgumentNullException.ThrowIfNull(sequences);
        var total = sequences.Sum(s => s.Length);
        var ids = new long[total];
        var targets = new long[total];
        var positions = new long[total];
        var cu = new long[sequences.Count + 1];
        var offset = 0;
        for (var r = 0; r < sequences.Count; r++)
        {
            var s = sequences[r];
            for (var t = 0; t < s.Length; t++)
            {
                ids[offset + t] = s.InputIds[t];
                positions[offset + t] = t;
                targets[offset + t] = TargetAt(s, t);
            }

            offset += s.Length;
            cu[r + 1] = offset;
        }

        return new TrainingBatch(
            TorchOps.FromArray(ids, on, 1, total),
            TorchOps.FromArray(targets, on, 1, total),
            null,
            TorchOps.FromArray(positions, on, 1, total),
            null,
            sequences.Sum(s => s.TargetCount),
            total,
            targets,
            on,
            TorchOps.FromArray(cu, Device.Cpu, cu.Length));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        Targets.Dispose();
        AttentionMask?.Dispose();
        PositionIds?.Dispose();
        PackedMask?.Dispose();
        CuSeqlens?.Dispose();
        Labelled.Dispose();
    }

    /// <summary>The target at position <paramref name="t"/> of a sequence: the next token's label, or ignored at the end.</summary>
    private static long TargetAt(TokenizedSequence s, int t) => t + 1 < s.Length ? s.Labels[t + 1] : TokenizedSequence.Ignore;
}
