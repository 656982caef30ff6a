using System.Runtime.InteropServices;

namespace PostTrain.Torch;

/// <summary>Facts about the libtorch the shim was built against and the devices it sees.</summary>
public static class TorchRuntime
{
    /// <summary>The libtorch version string, e.g. "1.13.0".</summary>
    public static string Version
    {
        get
        {
            NativeMethods.Check(NativeMethods.TorchVersion(out var ptr));
            return Marshal.PtrToStringUTF8(ptr) ?? string.Empty;
        }
    }

    /// <summary>Whether libtorch was built with CUDA and sees at least one device.</summary>
    public static bool CudaIsAvailable
    {
        get
        {
            NativeMethods.Check(NativeMethods.CudaIsAvailable(out var available));
            return available != 0;
        }
    }

    /// <summary>The number of CUDA devices libtorch sees (0 on CPU-only builds).</summary>
    public static int CudaDeviceCount
    {
        get
        {
            NativeMethods.Check(NativeMethods.CudaDeviceCount(out var count));
            return count;
        }
    }

    /// <summary>What this shim build can do, detected when it was compiled.</summary>
    public static TorchCapabilities Capabilities
    {
        get
        {
            NativeMethods.Check(NativeMethods.Capabilities(out var caps));
            return (TorchCapabilities)caps;
        }
    }

    /// <summary>
    /// Times <paramref name="n"/> calls of a tiny op inside the shim (no binding in between): 0 = add(a, b),
    /// 1 = a.add_(b). Benchmarks use it as the floor that libtorch itself costs.
    /// </summary>
    public static double NativeLoopNanoseconds(int op, Tensor a, Tensor b, long n)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var s = NativeMethods.BenchNativeLoop(op, a.Handle, b.Handle, n, out var ns);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        NativeMethods.Check(s);
        return ns;
    }
}
