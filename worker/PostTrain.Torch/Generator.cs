namespace PostTrain.Torch;

/// <summary>
/// A seeded CPU random-number generator. Numbers drawn with one are made on the CPU and moved, so a
/// seed gives the same values whatever the target device.
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr handle;

    /// <summary>Creates a generator with the given seed.</summary>
    public Generator(ulong seed)
    {
        NativeMethods.Check(NativeMethods.GeneratorNew(seed, out handle));
        Seed = seed;
    }

    /// <summary>Frees the generator if Dispose was never called.</summary>
    ~Generator() => Free();

    /// <summary>The seed it was created with.</summary>
    public ulong Seed { get; }

    internal IntPtr Handle => handle != IntPtr.Zero ? handle : throw new ObjectDisposedException(nameof(Generator));

    /// <summary>Frees the generator.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            _ = NativeMethods.GeneratorFree(h);
        }
    }
}
