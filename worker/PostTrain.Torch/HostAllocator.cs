using System.Runtime.InteropServices;

namespace PostTrain.Torch;

/// <summary>
/// Keeps glibc's malloc from handing freed CPU tensor memory back to the kernel after every operation. By default a
/// free that leaves more than twice the last large block's size (~2 MB for a decoding step's logits) at the top of the
/// heap trims it, so the next step's tensors fault their pages in afresh: on the tiny model's rollouts that was 7% of
/// the CPU time (page faults, zeroing, munmap). Raising the trim threshold and fixing the mmap threshold keeps that
/// memory in the heap for reuse; the arithmetic is untouched. Applied once, before the first native call, unless the
/// process sets glibc's own <c>MALLOC_TRIM_THRESHOLD_</c>; elsewhere than glibc it does nothing.
/// </summary>
internal static partial class HostAllocator
{
    private const int TrimThreshold = -1; // M_TRIM_THRESHOLD
    private const int TopPad = -2; // M_TOP_PAD
    private const int MmapThreshold = -3; // M_MMAP_THRESHOLD

    private static int _configured;

    /// <summary>Free heap kept at the top before malloc trims it.</summary>
    internal const int TrimBytes = 256 << 20;

    /// <summary>Blocks at least this large are mmapped (glibc's largest allowed threshold).</summary>
    internal const int MmapBytes = 32 << 20;

    /// <summary>Applies the settings once; later calls do nothing. Returns whether they were applied by this call.</summary>
    internal static bool Configure()
    {
        if (Interlocked.Exchange(ref _configured, 1) != 0 || !OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null)
        {
            return false;
        }

        try
        {
            return Mallopt(TrimThreshold, TrimBytes) == 1 & Mallopt(TopPad, 16 << 20) == 1 & Mallopt(MmapThreshold, MmapBytes) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false; // not glibc (musl has no mallopt tuning of this kind)
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);
}
