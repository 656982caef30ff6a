using PostTrain.Torch;

namespace PostTrain.Gpu.Tests;

/// <summary>Where the checks run: <c>POSTTRAIN_GPU_CHECK_DEVICE</c> (cpu, cuda, cuda:N), else cuda:0 when libtorch sees a GPU.</summary>
internal static class CheckDevice
{
    public static Device Device { get; } = Environment.GetEnvironmentVariable("POSTTRAIN_GPU_CHECK_DEVICE") is { Length: > 0 } name
        ? Device.Parse(name)
        : Cuda.IsAvailable ? Device.Cuda(0) : Device.Cpu;

    /// <summary>Max |a − b| over two tensors, compared on the CPU in float32.</summary>
    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        using var scope = TorchScope.NewDisposeScope();
        return (a.To(Device.Cpu, ScalarType.Float32) - b.To(Device.Cpu, ScalarType.Float32)).Abs().Max().Item<float>();
    }
}
