using PostTrain.Torch.NN;

namespace PostTrain.Torch.Optim;

/// <summary>Gradient clipping (torch.nn.utils.clip_grad_norm_).</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients together so that their global L2 norm is at most <paramref name="maxNorm"/>;
    /// returns the norm before clipping.
    /// </summary>
    public static unsafe double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        var list = parameters as IReadOnlyList<Parameter> ?? parameters.ToList();
        var handles = new IntPtr[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            handles[i] = list[i].Handle;
        }

        fixed (IntPtr* p = handles)
        {
            var s = NativeMethods.ClipGradNorm(p, handles.Length, maxNorm, out var total);
            GC.KeepAlive(list);
            NativeMethods.Check(s);
            return total;
        }
    }

    /// <summary>
    /// <see cref="ClipGradNorm"/> without waiting for the device: the pre-clip norm comes back as a float32 scalar tensor
    /// on the gradients' device (zero when no parameter has a gradient), to be read with the step's other scalars.
    /// </summary>
    public static unsafe Tensor ClipGradNormTensor(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        var list = parameters as IReadOnlyList<Parameter> ?? parameters.ToList();
        var handles = new IntPtr[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            handles[i] = list[i].Handle;
        }

        fixed (IntPtr* p = handles)
        {
            var s = NativeMethods.ClipGradNormTensor(p, handles.Length, maxNorm, out var total);
            GC.KeepAlive(list);
            return Tensor.Wrap(s, total);
        }
    }
}
