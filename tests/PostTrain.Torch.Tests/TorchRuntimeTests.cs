using PostTrain.Torch;

namespace PostTrain.Torch.Tests;

public class TorchRuntimeTests
{
    [Fact]
    public void Native_shim_loads_and_reports_the_libtorch_version()
    {
        var version = TorchRuntime.Version;
        version.ShouldMatch(@"^\d+\.\d+");
    }

    [Fact]
    public void Cuda_device_count_agrees_with_availability()
    {
        (TorchRuntime.CudaDeviceCount > 0).ShouldBe(TorchRuntime.CudaIsAvailable);
    }
}
