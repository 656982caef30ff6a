using PostTrain.Torch;

namespace PostTrain.Torch.Tests;

public class TensorBasicsTests
{
    [Fact]
    public void Creation_and_facts()
    {
        using var scope = TorchScope.NewDisposeScope();
        var t = Tensors.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        t.Shape.ShouldBe([2L, 3L]);
        t.Strides.ShouldBe([3L, 1L]);
        t.Dim.ShouldBe(2);
        t.NumberOfElements.ShouldBe(6);
        t.DType.ShouldBe(ScalarType.Float32);
        t.Device.ShouldBe(Device.Cpu);
        t.Transpose(0, 1).Strides.ShouldBe([1L, 3L]);
        t[1].ToArray<float>().ShouldBe([4f, 5f, 6f]);
        t[.., 1..].Contiguous().ToArray<float>().ShouldBe([2f, 3f, 5f, 6f]);
        t[1, ..2].ToArray<float>().ShouldBe([4f, 5f]);
        t[^1..].Shape.ShouldBe([1L, 3L]);
        Tensors.Zeros([2], ScalarType.Int32).ToArray<int>().ShouldBe([0, 0]);
        Tensors.Ones([2], ScalarType.Bool).ToArray<bool>().ShouldBe([true, true]);
        Tensors.Full([2], 7, ScalarType.Int64).ToArray<long>().ShouldBe([7L, 7L]);
        Tensors.Full([1], 0.5, ScalarType.BFloat16).Float().Item<float>().ShouldBe(0.5f);
        Tensors.Full([1], 0.5, ScalarType.Float16).ToArray<Half>().ShouldBe([(Half)0.5]);
        Tensors.Arange(5).ToArray<long>().ShouldBe([0L, 1L, 2L, 3L, 4L]);
        Tensors.Arange(0, 1, 0.25).ToArray<float>().ShouldBe([0f, 0.25f, 0.5f, 0.75f]);
        Tensors.Empty([3, 0]).NumberOfElements.ShouldBe(0);
        Tensors.Scalar(3).Dim.ShouldBe(0);
        Tensors.ZerosLike(t).Shape.ShouldBe(t.Shape);
        Tensors.FullLike(Tensors.Arange(3), 2).ToArray<long>().ShouldBe([2L, 2L, 2L]);
        (Tensors.Arange(4) + 1).DType.ShouldBe(ScalarType.Int64);
        (Tensors.Arange(4) * 0.5).DType.ShouldBe(ScalarType.Float32);
        t.ToString().ShouldContain("[ CPUFloatType{2,3} ]");
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_ManualSeed_resets_the_default_generator()
    {
        using var scope = TorchScope.NewDisposeScope();
        Tensors.ManualSeed(11);
        var a = Tensors.RandN([4]).ToArray<float>();
        Tensors.ManualSeed(11);
        Tensors.RandN([4]).ToArray<float>().ShouldBe(a);
        using var g1 = new Generator(5);
        using var g2 = new Generator(5);
        Tensors.Rand([3], generator: g1).ToArray<float>().ShouldBe(Tensors.Rand([3], generator: g2).ToArray<float>());
        var ints = Tensors.RandInt(2, 5, [100], generator: g1).ToArray<long>();
        ints.ShouldAllBe(v => v >= 2 && v < 5);
        var probs = Tensors.FromArray(new[] { 0f, 0f, 1f });
        Tensors.Multinomial(probs, 3, replacement: true).ToArray<long>().ShouldBe([2L, 2L, 2L]);
    }

    [Fact]
    public void In_place_ops_and_copy()
    {
        using var scope = TorchScope.NewDisposeScope();
        var t = Tensors.Zeros([3]);
        t.AddInPlace(1.5).MulInPlace(2.0);
        t.ToArray<float>().ShouldBe([3f, 3f, 3f]);
        t.AddInPlace(Tensors.Ones([3]), alpha: -2).ToArray<float>().ShouldBe([1f, 1f, 1f]);
        t.CopyFrom(Tensors.Arange(3)).ToArray<float>().ShouldBe([0f, 1f, 2f]);
        t.FillInPlace(4).DivInPlace(2).ToArray<float>().ShouldBe([2f, 2f, 2f]);
        t.ZeroInPlace().Sum().Item<float>().ShouldBe(0f);
    }

    [Fact]
    public void Autocast_on_cpu_runs_linear_in_bfloat16_and_restores()
    {
        using var scope = TorchScope.NewDisposeScope();
        var x = Tensors.Ones([2, 4]);
        var w = Tensors.Ones([3, 4]);
        using (Tensors.Autocast(DeviceType.Cpu, ScalarType.BFloat16))
        {
            Functional.Linear(x, w).DType.ShouldBe(ScalarType.BFloat16);
        }

        Functional.Linear(x, w).DType.ShouldBe(ScalarType.Float32);
    }

    [Fact]
    public void Runtime_reports_capabilities_and_cpu_only_facts()
    {
        var caps = TorchRuntime.Capabilities;
        caps.HasFlag(TorchCapabilities.Gloo).ShouldBeTrue("the shim must be built with Gloo (install libgloo-dev)");
        // The flag says the shim was built against a CUDA libtorch (CMake found c10_cuda). The independent witness is the
        // process itself: a CUDA libtorch loads libc10_cuda.so, a CPU one never does. Checked both ways.
        var cudaLibtorchLoaded = File.ReadAllText("/proc/self/maps").Contains("libc10_cuda", StringComparison.Ordinal);
        caps.HasFlag(TorchCapabilities.Cuda).ShouldBe(cudaLibtorchLoaded, "the Cuda capability must match whether libc10_cuda.so is loaded");
        if (caps.HasFlag(TorchCapabilities.Cuda))
        {
            // A CUDA build sees the GPUs the driver exposes (none on a CPU-only machine, so only one direction is fixed).
            (Cuda.DeviceCount > 0).ShouldBe(Cuda.IsAvailable);
        }
        else
        {
            Cuda.IsAvailable.ShouldBeFalse();
            Cuda.DeviceCount.ShouldBe(0);
            Should.Throw<TorchException>(() => Cuda.MemoryStats()).Message.ShouldContain("without CUDA");
        }

        var threads = Tensors.NumThreads;
        Tensors.NumThreads = 1;
        Tensors.NumThreads.ShouldBe(1);
        Tensors.NumThreads = threads;
        Device.Parse("cuda:2").ShouldBe(Device.Cuda(2));
        Device.Parse("cpu").ToString().ShouldBe("cpu");
        Should.Throw<FormatException>(() => Device.Parse("tpu"));
    }
}
