using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Torch.NN;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Training;

/// <summary>
/// The agreements a data-parallel training loop needs from its process group, with the staging tensors on the
/// training device (NCCL reduces only CUDA tensors; Gloo the CPU's). Without a group (one process) each is the
/// trivial answer, so loops need no special case.
/// </summary>
/// <param name="group">The process group, or null for a single process.</param>
/// <param name="device">The training device.</param>
public sealed class DataParallelGroup(ProcessGroup? group, Device device)
{
    /// <summary>This process's rank (0 alone).</summary>
    public int Rank => group?.Rank ?? 0;

    /// <summary>How many ranks train together.</summary>
    public int WorldSize => group?.WorldSize ?? 1;

    /// <summary>Whether this rank writes checkpoints and results (rank 0).</summary>
    public bool IsWriter => Rank == 0;

    /// <summary>Whether several processes train together.</summary>
    public bool IsDistributed => group is not null && group.WorldSize > 1;

    /// <summary>True when <paramref name="flag"/> is true on any rank, so every rank stops at the same step.</summary>
    public bool AnyRank(bool flag)
    {
        if (group is null)
        {
            return flag;
        }

        using var scope = TorchScope.NewDisposeScope();
        var value = TorchOps.FromArray(new[] { flag ? 1L : 0L }, device, 1);
        group.AllReduce(value, ReduceOp.Max);
        return value.Item<long>() != 0;
    }

    /// <summary>Fails fast when the ranks start from different steps (a rank that cannot see rank 0's checkpoints).</summary>
    public void AgreeOnStep(long step)
    {
        if (group is null)
        {
            return;
        }

        using var scope = TorchScope.NewDisposeScope();
        var range = TorchOps.FromArray(new[] { step, -step }, device, 2);
        group.AllReduce(range, ReduceOp.Max); // [max, -min] in one collective
        var values = range.ToArray<long>();
        var (min, max) = (-values[1], values[0]);
        if (min != max)
        {
            throw new InvalidOperationException($"rank {group.Rank}: the ranks resume from different steps ({min} to {max}); every rank needs the same output directory");
        }
    }

    /// <summary>Every rank takes rank 0's weights and buffers.</summary>
    public void BroadcastParameters(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        group?.BroadcastParameters(module);
    }

    /// <summary>Sums the gradients of <paramref name="parameters"/> over the ranks (one collective per dtype).</summary>
    public void SumGradients(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        group?.AllReduceGradients(parameters, ReduceOp.Sum);
    }

    /// <summary>Sums <paramref name="tensor"/> over the ranks in place (a no-op alone).</summary>
    public void Sum(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        group?.AllReduce(tensor, ReduceOp.Sum);
    }

    /// <summary>Element-wise sums of <paramref name="values"/> over the ranks (the values themselves alone).</summary>
    public double[] Sum(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (group is null || values.Length == 0)
        {
            return values;
        }

        using var scope = TorchScope.NewDisposeScope();
        var t = TorchOps.FromArray(values, device, values.Length);
        group.AllReduce(t, ReduceOp.Sum);
        return t.ToArray<double>();
    }

    /// <summary>Every rank's <paramref name="values"/> (all of one length), in rank order (just these alone).</summary>
    public long[][] Gather(long[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (group is null)
        {
            return [values];
        }

        using var scope = TorchScope.NewDisposeScope();
        var all = group.AllGather(TorchOps.FromArray(values, device, values.Length)).ToArray<long>();
        return [.. Enumerable.Range(0, group.WorldSize).Select(r => all.AsSpan(r * values.Length, values.Length).ToArray())];
    }

    /// <summary>Every rank's payload in rank order (just this one alone).</summary>
    public byte[][] AllGather(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return group is null ? [payload] : group.AllGatherBytes(payload, device);
    }

    /// <summary>Waits until every rank is here.</summary>
    public void Barrier() => group?.Barrier();
}
