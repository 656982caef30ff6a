namespace PostTrain.Torch;

/// <summary>CUDA devices as libtorch sees them (TorchSharp's <c>torch.cuda</c>).</summary>
public static class Cuda
{
    /// <summary>Whether libtorch was built with CUDA and sees a device.</summary>
    public static bool IsAvailable => TorchRuntime.CudaIsAvailable;

    /// <summary>The number of visible devices.</summary>
    public static int DeviceCount => TorchRuntime.CudaDeviceCount;

    /// <summary>Waits for every kernel queued on the device (-1: the current one).</summary>
    public static void Synchronize(int device = -1) => NativeMethods.Check(NativeMethods.CudaSynchronize(device));

    /// <summary>The caching allocator's figures for a device. Throws when the shim was built without CUDA.</summary>
    public static CudaMemoryStats MemoryStats(int device = 0)
    {
        NativeMethods.Check(NativeMethods.CudaMemoryStats(device, out var allocated, out var reserved, out var peak));
        return new CudaMemoryStats(allocated, reserved, peak);
    }

    /// <summary>
    /// Makes <paramref name="device"/> this process's current CUDA device (torch.cuda.set_device): where NCCL binds its
    /// communicators and where work without an explicit device goes. One process per GPU sets its LOCAL_RANK.
    /// </summary>
    public static void SetDevice(int device) => NativeMethods.Check(NativeMethods.CudaSetDevice(device));

    /// <summary>Starts the peak figure of <see cref="MemoryStats"/> again from the current allocation.</summary>
    public static void ResetPeakMemory(int device = 0) => NativeMethods.Check(NativeMethods.CudaResetPeakMemory(device));

    /// <summary>Returns cached, unused blocks to the driver (no-op without CUDA).</summary>
    public static void EmptyCache() => NativeMethods.Check(NativeMethods.CudaEmptyCache());
}

/// <summary>Memory figures of libtorch's CUDA caching allocator, in bytes.</summary>
/// <param name="AllocatedBytes">Bytes held by live tensors.</param>
/// <param name="ReservedBytes">Bytes reserved from the driver (allocated plus cached).</param>
/// <param name="PeakAllocatedBytes">The most bytes held by tensors at once.</param>
public sealed record CudaMemoryStats(long AllocatedBytes, long ReservedBytes, long PeakAllocatedBytes);
