using System.Runtime.InteropServices;

namespace PostTrain.Torch;

/// <summary>
/// Tensor creation, free functions over tensors, and per-process settings (TorchSharp's <c>torch</c>).
/// Named <c>Tensors</c> rather than <c>Torch</c> because code in any <c>PostTrain.*</c> namespace would
/// otherwise resolve <c>Torch.Zeros</c> to the <c>PostTrain.Torch</c> namespace.
/// </summary>
public static class Tensors
{
    /// <summary>The number of native tensor handles alive in this process (for leak checks).</summary>
    public static long LiveTensorCount
    {
        get
        {
            NativeMethods.Check(NativeMethods.LiveTensors(out var n));
            return n;
        }
    }

    /// <summary>Whether autograd records operations on this thread.</summary>
    public static bool IsGradEnabled
    {
        get
        {
            NativeMethods.Check(NativeMethods.GradEnabled(out var e));
            return e != 0;
        }
    }

    /// <summary>libtorch's intra-op thread count.</summary>
    public static int NumThreads
    {
        get
        {
            NativeMethods.Check(NativeMethods.GetNumThreads(out var n));
            return n;
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            NativeMethods.Check(NativeMethods.SetNumThreads(value));
        }
    }

    /// <summary>Seeds the default generators (CPU and every CUDA device).</summary>
    public static void ManualSeed(ulong seed) => NativeMethods.Check(NativeMethods.ManualSeed(seed));

    /// <summary>Turns autograd recording on or off for this thread.</summary>
    public static void SetGradEnabled(bool enabled) => NativeMethods.Check(NativeMethods.SetGradEnabled(enabled ? 1 : 0));

    /// <summary>Disables autograd until the returned scope is disposed: <c>using (Tensors.NoGrad()) { ... }</c>.</summary>
    public static GradModeScope NoGrad() => new(false);

    /// <summary>Enables autograd until the returned scope is disposed.</summary>
    public static GradModeScope EnableGrad() => new(true);

    /// <summary>Runs eligible ops in <paramref name="dtype"/> on <paramref name="device"/> until disposed (torch.autocast).</summary>
    public static AutocastScope Autocast(DeviceType device, ScalarType dtype = ScalarType.BFloat16) => new(device, dtype);

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape, Device? device = null)
        where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data);
        return FromBytes(bytes, ScalarTypes.Of<T>(), shape, device);
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/>; one dimension when no shape is given.</summary>
    public static Tensor FromArray<T>(T[] data, params long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, shape.Length == 0 ? [data.LongLength] : shape);
    }

    /// <summary>A tensor on <paramref name="device"/> holding a copy of <paramref name="data"/> (one host→device copy).</summary>
    public static Tensor FromArray<T>(T[] data, Device device, params long[] shape)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        return FromSpan<T>(data, shape.Length == 0 ? [data.LongLength] : shape, device);
    }

    /// <summary>A tensor from raw element bytes (row-major, little-endian) of any supported dtype, bf16 included.</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, ReadOnlySpan<long> shape, Device? device = null)
    {
        HostTransfers.OnHostToTensor();
        var d = device ?? Device.Cpu;
        fixed (byte* p = bytes)
        fixed (long* s = shape)
        {
            var status = NativeMethods.FromData(p, bytes.Length, (int)dtype, s, shape.Length, (int)d.Type, d.Index, out var r);
            return Tensor.Wrap(status, r);
        }
    }

    /// <summary>A scalar (zero-dimensional) tensor.</summary>
    public static Tensor Scalar(double value, ScalarType dtype = ScalarType.Float32, Device? device = null) => Full([], value, dtype, device);

    /// <summary>Uninitialised memory of the given shape.</summary>
    public static Tensor Empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Fill(0, shape, dtype, device, 0);

    /// <summary>Zeros.</summary>
    public static Tensor Zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Fill(1, shape, dtype, device, 0);

    /// <summary>Ones.</summary>
    public static Tensor Ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null) => Fill(2, shape, dtype, device, 0);

    /// <summary>Every element set to <paramref name="value"/>.</summary>
    public static Tensor Full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null) => Fill(3, shape, dtype, device, value);

    /// <summary>Zeros shaped, typed and placed like <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like) => Like(1, like, 0);

    /// <summary>Ones shaped, typed and placed like <paramref name="like"/>.</summary>
    public static Tensor OnesLike(Tensor like) => Like(2, like, 0);

    /// <summary>A constant shaped, typed and placed like <paramref name="like"/>.</summary>
    public static Tensor FullLike(Tensor like, double value) => Like(3, like, value);

    /// <summary>Uninitialised memory shaped, typed and placed like <paramref name="like"/>.</summary>
    public static Tensor EmptyLike(Tensor like) => Like(0, like, 0);

    /// <summary>0, 1, ..., end-1 as int64.</summary>
    public static Tensor Arange(long end, Device? device = null) => Arange(0, end, 1, ScalarType.Int64, device);

    /// <summary>start, start+step, ... below end.</summary>
    public static Tensor Arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        return Tensor.Wrap(NativeMethods.Arange(start, end, step, (int)dtype, (int)d.Type, d.Index, out var r), r);
    }

    /// <summary>Standard normal samples (seeded by <paramref name="generator"/>, or the default generator).</summary>
    public static Tensor RandN(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null) =>
        Random(0, shape, dtype, device, generator, 0, 0);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, Generator? generator = null) =>
        Random(1, shape, dtype, device, generator, 0, 0);

    /// <summary>Uniform integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, Device? device = null, Generator? generator = null) =>
        Random(2, shape, ScalarType.Int64, device, generator, low, high);

    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => CatOrStack(tensors, dim, 0);

    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => CatOrStack(tensors, dim, 1);

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is true, else of <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var s = NativeMethods.Where(condition.Handle, a.Handle, b.Handle, out var r);
        GC.KeepAlive(condition);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return Tensor.Wrap(s, r);
    }

    /// <summary>Elementwise minimum.</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => a.Minimum(b);

    /// <summary>Elementwise maximum.</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => a.Maximum(b);

    /// <summary>Matrix product.</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => a.MatMul(b);

    /// <summary>Draws <paramref name="samples"/> indices per row from the (unnormalised) probabilities.</summary>
    public static Tensor Multinomial(Tensor probabilities, long samples, bool replacement = false, Generator? generator = null)
    {
        var s = NativeMethods.Multinomial(probabilities.Handle, samples, replacement ? 1 : 0, generator?.Handle ?? IntPtr.Zero, out var r);
        GC.KeepAlive(probabilities);
        GC.KeepAlive(generator);
        return Tensor.Wrap(s, r);
    }

    private static unsafe Tensor Fill(int kind, long[] shape, ScalarType dtype, Device? device, double value)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* p = shape)
        {
            var integral = dtype.IsFloatingPoint() ? 0 : 1;
            var s = NativeMethods.FillNew(kind, p, shape.Length, (int)dtype, (int)d.Type, d.Index, value, integral, out var r);
            return Tensor.Wrap(s, r);
        }
    }

    private static Tensor Like(int kind, Tensor like, double value)
    {
        var integral = Math.Floor(value) == value && Math.Abs(value) < 9e15 ? 1 : 0;
        var s = NativeMethods.Like(kind, like.Handle, value, like.DType.IsFloatingPoint() ? 0 : integral, out var r);
        GC.KeepAlive(like);
        return Tensor.Wrap(s, r);
    }

    private static unsafe Tensor Random(int kind, long[] shape, ScalarType dtype, Device? device, Generator? generator, double low, double high)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        fixed (long* p = shape)
        {
            var s = NativeMethods.Random(kind, p, shape.Length, (int)dtype, (int)d.Type, d.Index, generator?.Handle ?? IntPtr.Zero, low, high, out var r);
            GC.KeepAlive(generator);
            return Tensor.Wrap(s, r);
        }
    }

    private static unsafe Tensor CatOrStack(IReadOnlyList<Tensor> tensors, long dim, int stack)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Span<IntPtr> handles = tensors.Count <= 64 ? stackalloc IntPtr[tensors.Count] : new IntPtr[tensors.Count];
        for (var i = 0; i < tensors.Count; i++)
        {
            handles[i] = tensors[i].Handle;
        }

        fixed (IntPtr* p = handles)
        {
            var s = NativeMethods.Cat(p, handles.Length, dim, stack, out var r);
            GC.KeepAlive(tensors);
            return Tensor.Wrap(s, r);
        }
    }
}
