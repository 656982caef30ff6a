namespace PostTrain.Torch;

/// <summary>Autograd and conversions.</summary>
public partial class Tensor
{
    /// <summary>Whether operations on this tensor are recorded for differentiation.</summary>
    public bool RequiresGrad
    {
        get
        {
            var s = NativeMethods.RequiresGrad(Handle, out var flag);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            return flag != 0;
        }

        set
        {
            var s = NativeMethods.SetRequiresGrad(Handle, value ? 1 : 0);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
        }
    }

    /// <summary>Whether this tensor is a leaf of the autograd graph (created by the user, not by an op).</summary>
    public bool IsLeaf
    {
        get
        {
            var s = NativeMethods.IsLeaf(Handle, out var flag);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            return flag != 0;
        }
    }

    /// <summary>
    /// The accumulated gradient, or null. Each read returns a new handle to the same gradient storage
    /// (owned by the current dispose scope, like any other result).
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            var s = NativeMethods.Grad(Handle, out var g);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            return g == IntPtr.Zero ? null : new Tensor(g);
        }

        set
        {
            if (value is not null && (value.DType != DType || value.Device != Device || !value.Shape.SequenceEqual(Shape)))
            {
                throw new ArgumentException(
                    $"a gradient must match its tensor: got {value.DType} [{string.Join(", ", value.Shape)}] on {value.Device}, need {DType} [{string.Join(", ", Shape)}] on {Device}",
                    nameof(value));
            }

            var s = NativeMethods.SetGrad(Handle, value is null ? IntPtr.Zero : value.Handle);
            GC.KeepAlive(this);
            GC.KeepAlive(value);
            NativeMethods.Check(s);
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (torch's requires_grad_()).</summary>
    public Tensor WithRequiresGrad(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>
    /// Back-propagates from this tensor into the gradients of the leaves. A scalar needs no
    /// <paramref name="gradient"/>; any other tensor needs the upstream gradient of its shape.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        var s = NativeMethods.Backward(Handle, gradient is null ? IntPtr.Zero : gradient.Handle, retainGraph ? 1 : 0, createGraph ? 1 : 0);
        GC.KeepAlive(this);
        GC.KeepAlive(gradient);
        NativeMethods.Check(s);
    }

    /// <summary>A tensor sharing this one's data but cut from the autograd graph.</summary>
    public Tensor Detach() => Unary(OpCode.Detach);

    /// <summary>Converts to another element type (a no-op view when it already is one).</summary>
    public Tensor To(ScalarType dtype) => ToImpl((int)dtype, -1, 0, false);

    /// <summary>Moves to another device.</summary>
    public Tensor To(Device device) => ToImpl(-1, (int)device.Type, device.Index, false);

    /// <summary>Moves to another device and element type.</summary>
    public Tensor To(Device device, ScalarType dtype) => ToImpl((int)dtype, (int)device.Type, device.Index, false);

    /// <summary>A copy on the host.</summary>
    public Tensor Cpu() => To(Device.Cpu);

    /// <summary>A copy on a CUDA device.</summary>
    public Tensor Cuda(int index = 0) => To(Device.Cuda(index));

    /// <summary>Converts to float32.</summary>
    public Tensor Float() => To(ScalarType.Float32);

    /// <summary>Converts to float64.</summary>
    public Tensor Double() => To(ScalarType.Float64);

    /// <summary>Converts to int64.</summary>
    public Tensor Long() => To(ScalarType.Int64);

    /// <summary>Converts to bfloat16.</summary>
    public Tensor BFloat16() => To(ScalarType.BFloat16);

    /// <summary>Converts to float16.</summary>
    public Tensor Half() => To(ScalarType.Float16);

    /// <summary>Converts to bool.</summary>
    public Tensor Bool() => To(ScalarType.Bool);

    /// <summary>A new handle to the same tensor (same data and autograd identity), owned separately.</summary>
    public Tensor Alias()
    {
        var s = NativeMethods.TensorAlias(Handle, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }

    private Tensor ToImpl(int dtype, int devType, int devIndex, bool copy)
    {
        if (devType >= 0)
        {
            HostTransfers.OnDeviceMove();
        }

        var s = NativeMethods.To(Handle, dtype, devType, devIndex, copy ? 1 : 0, out var r);
        GC.KeepAlive(this);
        return Wrap(s, r);
    }
}
