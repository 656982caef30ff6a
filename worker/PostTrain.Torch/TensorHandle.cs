using System.Runtime.InteropServices;

namespace PostTrain.Torch;

/// <summary>Owns one native tensor reference; releasing it frees the shim's handle (and the storage with the last reference).</summary>
internal sealed class TensorHandle : SafeHandle
{
    internal TensorHandle(IntPtr handle)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => NativeMethods.TensorFree(handle) == 0;
}
