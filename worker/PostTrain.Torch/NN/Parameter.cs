namespace PostTrain.Torch.NN;

/// <summary>
/// A trainable tensor owned by a <see cref="Module"/>: a leaf that requires grad, never owned by a
/// dispose scope (it lives until the module is disposed).
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Makes a parameter sharing <paramref name="data"/>'s storage, cut from any autograd history.</summary>
    public Parameter(Tensor data, bool requiresGrad = true)
        : base(DetachedHandle(data), registerInScope: false)
    {
        RequiresGrad = requiresGrad;
    }

    private static IntPtr DetachedHandle(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var s = NativeMethods.Unary(OpCode.Detach, data.Handle, out var r);
        GC.KeepAlive(data);
        NativeMethods.Check(s);
        return r;
    }
}
