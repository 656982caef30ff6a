using System.Runtime.InteropServices;

namespace PostTrain.Torch;

/// <summary>P/Invoke declarations for the C ABI of the native shim (native/include/posttrain_torch.h).</summary>
internal static partial class NativeMethods
{
    internal const string Library = "posttrain_torch";

    [LibraryImport(Library, EntryPoint = "pt_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(Library, EntryPoint = "pt_torch_version")]
    internal static partial int TorchVersion(out IntPtr version);

    [LibraryImport(Library, EntryPoint = "pt_cuda_is_available")]
    internal static partial int CudaIsAvailable(out int available);

    [LibraryImport(Library, EntryPoint = "pt_cuda_device_count")]
    internal static partial int CudaDeviceCount(out int count);

    /// <summary>Throws <see cref="TorchException"/> with libtorch's message when a shim call failed.</summary>
    internal static void Check(int status)
    {
        if (status != 0)
        {
            throw new TorchException(Marshal.PtrToStringUTF8(LastError()) ?? "unknown libtorch error");
        }
    }
}
