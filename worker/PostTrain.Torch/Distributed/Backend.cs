namespace PostTrain.Torch.Distributed;

/// <summary>c10d communication backends.</summary>
public enum Backend
{
    /// <summary>Gloo: CPU tensors over TCP.</summary>
    Gloo = 0,

    /// <summary>NCCL: CUDA tensors (needs a CUDA libtorch).</summary>
    Nccl = 1,
}
