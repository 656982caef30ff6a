using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PostTrain.Torch;

/// <summary>
/// A libtorch tensor. The native reference is owned by a <see cref="SafeHandle"/>: dispose tensors
/// deterministically (directly, or through a <see cref="DisposeScope"/>); the finalizer is only a backstop.
/// </summary>
public partial class Tensor : IDisposable
{
    private readonly TensorHandle handle;

    internal Tensor(IntPtr nativeHandle, bool registerInScope = true)
    {
        handle = new TensorHandle(nativeHandle);
        if (registerInScope)
        {
            DisposeScope.RegisterInCurrent(this);
        }
    }

    /// <summary>The dispose scope that will free this tensor, if any.</summary>
    public DisposeScope? Scope { get; internal set; }

    /// <summary>Whether <see cref="Dispose()"/> has run.</summary>
    public bool IsDisposed => handle.IsClosed;

    /// <summary>The raw native handle, valid while this tensor is alive. Throws when the tensor was disposed.</summary>
    internal IntPtr Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (handle.IsClosed)
            {
                ThrowDisposed();
            }

            return handle.DangerousGetHandle();
        }
    }

    /// <summary>The number of dimensions.</summary>
    public int Dim
    {
        get
        {
            var s = NativeMethods.TensorDim(Handle, out var d);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            return d;
        }
    }

    /// <summary>The size of every dimension.</summary>
    public unsafe long[] Shape
    {
        get
        {
            var n = Dim;
            var shape = new long[n];
            fixed (long* p = shape)
            {
                var s = NativeMethods.TensorSizes(Handle, p, n);
                GC.KeepAlive(this);
                NativeMethods.Check(s);
            }

            return shape;
        }
    }

    /// <summary>The stride of every dimension, in elements.</summary>
    public unsafe long[] Strides
    {
        get
        {
            var n = Dim;
            var strides = new long[n];
            fixed (long* p = strides)
            {
                var s = NativeMethods.TensorStrides(Handle, p, n);
                GC.KeepAlive(this);
                NativeMethods.Check(s);
            }

            return strides;
        }
    }

    /// <summary>The number of elements.</summary>
    public long NumberOfElements
    {
        get
        {
            var s = NativeMethods.TensorNumel(Handle, out var n);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            return n;
        }
    }

    /// <summary>The element type.</summary>
    public ScalarType DType
    {
        get
        {
            var s = NativeMethods.TensorDType(Handle, out var d);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            return (ScalarType)d;
        }
    }

    /// <summary>The device holding the data.</summary>
    public Device Device
    {
        get
        {
            var s = NativeMethods.TensorDevice(Handle, out var type, out var index);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            return new Device((DeviceType)type, index);
        }
    }

    /// <summary>The size of one dimension (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var shape = Shape;
        var d = dim < 0 ? dim + shape.Length : dim;
        if (d < 0 || d >= shape.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {shape.Length} dimensions");
        }

        return shape[d];
    }

    /// <summary>Frees the native tensor now. Safe to call more than once.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Moves this tensor to the dispose scope outside its current one (or out of scopes entirely).</summary>
    public Tensor MoveToOuterScope() => Scope is { } s ? s.MoveToOuter(this) : this;

    /// <summary>Takes this tensor out of any dispose scope; the caller must dispose it.</summary>
    public Tensor DetachFromDisposeScope() => Scope is { } s ? s.Detach(this) : this;

    /// <summary>The single value of a one-element tensor, converted to <typeparamref name="T"/>.</summary>
    public T Item<T>()
        where T : unmanaged
    {
        HostTransfers.OnTensorToHost();
        if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(bool) || typeof(T) == typeof(short) || typeof(T) == typeof(byte))
        {
            var s = NativeMethods.TensorItemLong(Handle, out var l);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
            if (typeof(T) == typeof(long))
            {
                return (T)(object)l;
            }

            if (typeof(T) == typeof(int))
            {
                return (T)(object)checked((int)l);
            }

            if (typeof(T) == typeof(short))
            {
                return (T)(object)checked((short)l);
            }

            if (typeof(T) == typeof(byte))
            {
                return (T)(object)checked((byte)l);
            }

            return (T)(object)(l != 0);
        }

        var status = NativeMethods.TensorItem(Handle, out var d);
        GC.KeepAlive(this);
        NativeMethods.Check(status);
        if (typeof(T) == typeof(double))
        {
            return (T)(object)d;
        }

        if (typeof(T) == typeof(float))
        {
            return (T)(object)(float)d;
        }

        if (typeof(T) == typeof(Half))
        {
            return (T)(object)(Half)d;
        }

        throw new NotSupportedException($"Item<{typeof(T).Name}> is not supported");
    }

    /// <summary>Copies the elements (in row-major order) to a new host array; the dtype must match <typeparamref name="T"/>.</summary>
    public T[] ToArray<T>()
        where T : unmanaged
    {
        var result = new T[NumberOfElements];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements (in row-major order) into a host span whose length is the element count.</summary>
    public unsafe void CopyTo<T>(Span<T> destination)
        where T : unmanaged
    {
        var expected = ScalarTypes.Of<T>();
        var actual = DType;
        if (expected != actual)
        {
            throw new TorchException($"cannot copy a {actual} tensor into {typeof(T).Name} elements; convert it first with To(ScalarType.{expected})");
        }

        CopyBytesTo(MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Copies the raw element bytes (row-major, host byte order) into <paramref name="destination"/>.</summary>
    public unsafe void CopyBytesTo(Span<byte> destination)
    {
        HostTransfers.OnTensorToHost();
        fixed (byte* p = destination)
        {
            var s = NativeMethods.TensorCopyToHost(Handle, p, destination.Length);
            GC.KeepAlive(this);
            NativeMethods.Check(s);
        }
    }

    /// <summary>libtorch's printout of the tensor.</summary>
    public override string ToString()
    {
        if (IsDisposed)
        {
            return "Tensor(disposed)";
        }

        var s = NativeMethods.TensorToString(Handle, out var text);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
        return Marshal.PtrToStringUTF8(text) ?? string.Empty;
    }

    /// <summary>Frees the native handle.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }
    }

    /// <summary>Wraps a result handle after checking the call's status.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tensor Wrap(int status, IntPtr result)
    {
        NativeMethods.Check(status);
        return new Tensor(result);
    }

    /// <summary>Replaces this tensor's data with another's, keeping its identity and autograd flags (libtorch's set_data).</summary>
    internal void SetData(Tensor data)
    {
        var s = NativeMethods.SetData(Handle, data.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(data);
        NativeMethods.Check(s);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed (directly or by its dispose scope) and can no longer be used");
}
