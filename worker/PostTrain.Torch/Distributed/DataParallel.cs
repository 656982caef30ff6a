using PostTrain.Torch.NN;

namespace PostTrain.Torch.Distributed;

/// <summary>Data-parallel helpers over a <see cref="ProcessGroup"/> (what DistributedDataParallel does around a step).</summary>
public static class DataParallel
{
    /// <summary>
    /// Averages (or sums) the gradients of <paramref name="parameters"/> across ranks with one collective per
    /// dtype and device: the gradients are packed into one flat buffer, reduced, and copied back. Parameters
    /// without a gradient on this rank contribute zeros (every rank must pass the same parameters in the same order).
    /// </summary>
    public static void AllReduceGradients(this ProcessGroup group, IEnumerable<Parameter> parameters, ReduceOp op = ReduceOp.Average)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToList();
        using var scope = TorchScope.NewDisposeScope();
        using var noGrad = Tensors.NoGrad();
        foreach (var bucket in list.GroupBy(p => (p.DType, p.Device)))
        {
            var members = bucket.ToList();
            var flats = members.Select(p => p.Grad is { } g ? g.Reshape(-1) : Tensors.Zeros([p.NumberOfElements], p.DType, p.Device)).ToList();
            var buffer = Tensors.Cat(flats);
            group.AllReduce(buffer, op);
            long offset = 0;
            foreach (var p in members)
            {
                var n = p.NumberOfElements;
                var reduced = buffer.Narrow(0, offset, n).View(p.Shape);
                if (p.Grad is { } g)
                {
                    g.CopyFrom(reduced);
                }
                else
                {
                    p.Grad = reduced.Clone();
                }

                offset += n;
            }
        }
    }

    /// <summary>Overwrites every parameter and buffer of <paramref name="module"/> with rank <paramref name="root"/>'s values.</summary>
    public static void BroadcastParameters(this ProcessGroup group, Module module, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(module);
        using var noGrad = Tensors.NoGrad();
        foreach (var t in module.StateDict().Values)
        {
            group.Broadcast(t, root);
        }
    }
}
