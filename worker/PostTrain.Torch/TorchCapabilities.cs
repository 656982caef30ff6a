namespace PostTrain.Torch;

/// <summary>Features detected when the native shim was built.</summary>
[Flags]
public enum TorchCapabilities
{
    /// <summary>Nothing optional.</summary>
    None = 0,

    /// <summary>libtorch's fused scaled-dot-product attention (libtorch 2.1+); otherwise a math fallback is used.</summary>
    FusedAttention = 1,

    /// <summary>Built against a CUDA libtorch.</summary>
    Cuda = 2,

    /// <summary>c10d's Gloo process group is available.</summary>
    Gloo = 4,

    /// <summary>c10d's NCCL process group is available.</summary>
    Nccl = 8,
}
