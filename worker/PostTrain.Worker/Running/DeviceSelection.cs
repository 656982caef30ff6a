using System.Globalization;
using PostTrain.Torch;

namespace PostTrain.Worker.Running;

/// <summary>
/// The device a worker process computes on, as torchrun users expect: <c>cuda:LOCAL_RANK</c> when libtorch has CUDA
/// and sees that GPU, the CPU otherwise. <c>POSTTRAIN_DEVICE</c> (or <c>--device</c>) says what is required: <c>auto</c>
/// (the default) takes a GPU when there is one; <c>cuda</c>, which the operator sets for pods that ask for GPUs, fails at
/// once without one instead of training on the CPU; <c>cpu</c> never uses a GPU.
/// </summary>
public static class DeviceSelection
{
    /// <summary>The environment variable that names the required device.</summary>
    public const string EnvironmentVariable = "POSTTRAIN_DEVICE";

    /// <summary>Chooses from what this process sees.</summary>
    public static Device Choose(string? requested, int localRank) =>
        Choose(requested, localRank, TorchRuntime.Capabilities.HasFlag(TorchCapabilities.Cuda), TorchRuntime.CudaIsAvailable ? TorchRuntime.CudaDeviceCount : 0);

    /// <summary>
    /// Chooses for <paramref name="requested"/> (auto, cpu or cuda; null or empty means auto) given whether libtorch
    /// was built with CUDA and how many GPUs it sees. Throws <see cref="InvalidEnvironmentException"/> when the request
    /// cannot be met.
    /// </summary>
    public static Device Choose(string? requested, int localRank, bool libtorchHasCuda, int visibleGpus)
    {
        var mode = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        if (mode is not ("auto" or "cpu" or "cuda"))
        {
            throw new InvalidEnvironmentException($"{EnvironmentVariable}='{requested}' is not a device choice; use auto, cpu or cuda");
        }

        if (localRank < 0)
        {
            throw new InvalidEnvironmentException(string.Create(CultureInfo.InvariantCulture, $"LOCAL_RANK={localRank} is negative"));
        }

        if (mode == "cpu" || (mode == "auto" && visibleGpus == 0))
        {
            return Device.Cpu;
        }

        if (visibleGpus == 0)
        {
            throw new InvalidEnvironmentException(libtorchHasCuda
                ? "the job asked for GPUs but libtorch sees no CUDA device: check the node's NVIDIA driver and device plugin (the pod's nvidia.com/gpu request) and NVIDIA_VISIBLE_DEVICES; refusing to train on the CPU"
                : "the job asked for GPUs but this worker's libtorch was built without CUDA (use the CUDA worker image, or set resources.gpus: 0 to train on the CPU); refusing to train on the CPU");
        }

        if (localRank >= visibleGpus)
        {
            throw new InvalidEnvironmentException(string.Create(CultureInfo.InvariantCulture, $"LOCAL_RANK={localRank} but only {visibleGpus} GPU(s) are visible: one process per GPU needs resources.gpus GPUs in the pod"));
        }

        return Device.Cuda(localRank);
    }
}
