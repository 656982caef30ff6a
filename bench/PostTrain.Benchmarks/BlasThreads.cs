using System.Runtime.InteropServices;

namespace PostTrain.Benchmarks;

/// <summary>
/// OpenBLAS keeps its own thread pool, sized from OPENBLAS_NUM_THREADS / OMP_NUM_THREADS or the core count, whatever
/// libtorch's intra-op thread count is. The Python side gets OMP_NUM_THREADS = threads, so the C# side must size
/// OpenBLAS the same, or one side would run (and spin) more BLAS threads than the other.
/// </summary>
internal static class BlasThreads
{
    /// <summary>Sets OpenBLAS's thread count in this process; returns what happened, for the log.</summary>
    public static string Set(int threads)
    {
        try
        {
            OpenBlasSetNumThreads(threads);
            return $"OpenBLAS threads {OpenBlasGetNumThreads()}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "BLAS is not OpenBLAS (thread count left alone)";
        }
    }

    // DllImport, not LibraryImport: the latter needs unsafe code, and these two int-only calls marshal nothing.
    [DllImport("libblas.so.3", EntryPoint = "openblas_set_num_threads")]
    private static extern void OpenBlasSetNumThreads(int threads);

    [DllImport("libblas.so.3", EntryPoint = "openblas_get_num_threads")]
    private static extern int OpenBlasGetNumThreads();
}
