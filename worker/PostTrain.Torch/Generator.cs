namespace PostTrain.Torch;

/// <summary>
/// A seeded random-number generator living on a device. A CPU generator (the default) draws on the CPU and the
/// numbers move, so a seed gives the same values whatever the target device (weight initialisation relies on it); a
/// CUDA generator draws on its GPU, so sampling there never copies probabilities to the host, at the price of numbers
/// that differ from the CPU's for the same seed.
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr handle;

    /// <summary>Creates a CPU generator with the given seed.</summary>
    public Generator(ulong seed)
    {
        NativeMethods.Check(NativeMethods.GeneratorNew(seed, out handle));
        Seed = seed;
        Device = Device.Cpu;
    }

    /// <summary>Creates a generator with the given seed on <paramref name="device"/> (CUDA needs a CUDA build).</summary>
    public Generator(ulong seed, Device device)
    {
        NativeMethods.Check(NativeMethods.GeneratorNewOn(seed, (int)device.Type, device.Index, out handle));
        Seed = seed;
        Device = device.IsCuda ? device : Device.Cpu;
    }

    /// <summary>Frees the generator if Dispose was never called.</summary>
    ~Generator() => Free();

    /// <summary>The seed it was created with.</summary>
    public ulong Seed { get; }

    /// <summary>Where it draws numbers.</summary>
    public Device Device { get; }

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
