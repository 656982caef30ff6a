using PostTrain.Torch.NN;
using PostTrain.Torch.Optim;

namespace PostTrain.Torch.Tests;

public class HostTransfersTests
{
    [Fact]
    public void Counts_host_arrays_in_values_out_and_device_moves_but_not_on_device_work()
    {
        using var scope = TorchScope.NewDisposeScope();
        using var counter = HostTransfers.Count();
        var a = Tensors.FromArray(new[] { 1f, 2f, 3f });                 // in
        var b = Tensors.FromArray(new[] { 4f, 5f, 6f }, Device.Cpu, 3);  // in
        var c = (a * b).Sum() + Tensors.Ones([3]).Sum();                  // device work: not counted
        _ = c.Item<float>();                                              // out
        _ = (a + 1).ToArray<float>();                                     // out
        _ = a.To(Device.Cpu);                                             // a move, even when already there
        _ = a.To(ScalarType.Float64);                                     // a dtype change stays on the device

        counter.HostToTensor.ShouldBe(2);
        counter.TensorToHost.ShouldBe(2);
        counter.DeviceMoves.ShouldBe(1);
        counter.Total.ShouldBe(5);
    }

    [Fact]
    public async Task Counts_flow_across_awaits_and_nest_without_leaking_to_other_flows()
    {
        // Dispose scopes are per thread, so none spans an await here: one left open on the thread this test started on
        // once made another test, run later on that thread, see a stale DisposeScope.Current.
        using var outer = HostTransfers.Count();
        var other = Task.Run(() =>
        {
            using var s = TorchScope.NewDisposeScope();
            return Tensors.FromArray(new[] { 1L }).Item<long>(); // Task.Run carries the outer counter into this flow

        });
        await Task.Yield();
        using (var inner = HostTransfers.Count())
        {
            await Task.Delay(1);
            using (TorchScope.NewDisposeScope())
            {
                _ = Tensors.FromArray(new[] { 3f }).Item<float>();
            }

            inner.HostToTensor.ShouldBe(1);
            inner.TensorToHost.ShouldBe(1);
        }

        using (TorchScope.NewDisposeScope())
        {
            _ = Tensors.FromArray(new[] { 3f });
        }

        (await other).ShouldBe(1);
        outer.HostToTensor.ShouldBe(3, "Task.Run's flow, the inner count and one more after it");
        outer.TensorToHost.ShouldBe(1 + 1);
    }

    [Fact]
    public void ClipGradNormTensor_scales_like_ClipGradNorm_and_returns_the_norm_without_reading_it()
    {
        using var scope = TorchScope.NewDisposeScope();
        Parameter[] Make()
        {
            var p = new Parameter(Tensors.FromArray(new[] { 1f, 2f, 3f }));
            var q = new Parameter(Tensors.FromArray(new[] { -1f, 0.5f }));
            p.Grad = Tensors.FromArray(new[] { 3f, 0f, 4f });
            q.Grad = Tensors.FromArray(new[] { 12f, 0f });
            return [p, q];
        }

        var expected = Make();
        var norm = GradientClipping.ClipGradNorm(expected, 6.5);
        var actual = Make();
        Tensor normTensor;
        using (var counter = HostTransfers.Count())
        {
            normTensor = GradientClipping.ClipGradNormTensor(actual, 6.5);
            counter.TensorToHost.ShouldBe(0);
        }

        norm.ShouldBe(13.0, 1e-5);
        normTensor.Item<float>().ShouldBe(13f, 1e-4f);
        normTensor.Dim.ShouldBe(0);
        for (var i = 0; i < 2; i++)
        {
            actual[i].Grad!.ToArray<float>().ShouldBe(expected[i].Grad!.ToArray<float>());
        }

        expected[0].Grad!.ToArray<float>()[2].ShouldBe(4f * 6.5f / 13f, 1e-4f);
        GradientClipping.ClipGradNormTensor([new Parameter(Tensors.Zeros([2]))], 1.0).Item<float>().ShouldBe(0f);
    }

    [Fact]
    public void A_cpu_generator_made_for_a_device_draws_what_the_plain_one_draws()
    {
        using var scope = TorchScope.NewDisposeScope();
        using var plain = new Generator(11);
        using var onCpu = new Generator(11, Device.Cpu);
        onCpu.Device.ShouldBe(Device.Cpu);
        var probabilities = Tensors.FromArray(new[] { 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.1f, 0.1f, 0.3f }, 2, 4);
        Tensors.Multinomial(probabilities, 3, true, onCpu).ToArray<long>().ShouldBe(Tensors.Multinomial(probabilities, 3, true, plain).ToArray<long>());
        Tensors.RandN([5], generator: onCpu).ToArray<float>().ShouldBe(Tensors.RandN([5], generator: plain).ToArray<float>());
        if (!Cuda.IsAvailable)
        {
            Should.Throw<TorchException>(() => new Generator(1, Device.Cuda(0))).Message.ShouldContain("CUDA");
        }
    }
}
