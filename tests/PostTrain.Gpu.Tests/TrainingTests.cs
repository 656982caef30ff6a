using PostTrain.Torch;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Training;

namespace PostTrain.Gpu.Tests;

/// <summary>Training steps on the device against the same steps on the CPU.</summary>
public sealed class TrainingTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("posttrain-gpu-check-").FullName;

    private static int Pad => BuiltinTokenizers.Arithmetic.TokenToId(BuiltinTokenizers.Pad)!.Value;

    private static List<TokenizedSequence> Sequences()
    {
        var encoder = new SftEncoder(BuiltinTokenizers.Arithmetic, ChatTemplate.ChatMl, 128);
        return [.. ArithmeticDataset.GenerateExamples(new ArithmeticOptions(), ArithmeticSplit.Sft, 32, seed: 2).Select(encoder.Encode)];
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)] // activation checkpointing on the device
    [InlineData(true, false)] // bf16 autocast
    public void Sft_steps_on_the_device_follow_the_cpu(bool bf16, bool checkpointing)
    {
        var options = new SftOptions { MaxSteps = 3, BatchSize = 8, MicroBatchSize = 4, LearningRate = 1e-3, Seed = 1, Resume = false };
        var data = Sequences();
        (List<double> Losses, float[] Weights) Run(ComputeOptions compute, string name)
        {
            using var model = new CausalLanguageModel(BuiltinModels.Tiny(BuiltinTokenizers.Arithmetic), seed: 1);
            model.To(compute.Device);
            var losses = new Losses();
            new SftTrainer(model, options, Pad, observer: losses, compute: compute).Train(data, [], new CheckpointManager(Path.Combine(_dir, name)));
            model.Parameters().ShouldAllBe(p => p.Device == compute.Device && p.DType == ScalarType.Float32);
            return (losses.Values, model.Body.Layers[0].Mlp.DownProj.Weight.Cpu().ToArray<float>());
        }

        var cpu = Run(ComputeOptions.Cpu, "cpu");
        var device = Run(new ComputeOptions { Device = CheckDevice.Device, MixedPrecision = bf16 ? ScalarType.BFloat16 : null, GradientCheckpointing = checkpointing }, "device");
        var lossDifference = cpu.Losses.Zip(device.Losses, (a, b) => Math.Abs(a - b)).Max();
        var weightDifference = cpu.Weights.Zip(device.Weights, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{CheckDevice.Device} bf16={bf16} checkpointing={checkpointing}: max |loss difference| {lossDifference:E2}, max |weight difference| {weightDifference:E2}");
        lossDifference.ShouldBeLessThan(bf16 ? 2e-2 : 1e-4);
        // bf16: Adam steps of 1e-3 each, and a gradient near zero may change sign in bf16, so weights are compared loosely.
        ((double)weightDifference).ShouldBeLessThan(bf16 ? 1e-2 : 1e-5);
    }

    [Fact]
    public void An_rl_update_on_the_device_follows_the_cpu()
    {
        var tokenizer = BuiltinTokenizers.Arithmetic;
        var rollouts = Enumerable.Range(0, 8).Select(i => new Rollout(
            new Example { Id = $"r{i}", Prompt = "q", ReferenceAnswer = "1" },
            tokenizer.Encode($"What is {i}+{i % 3}?"),
            tokenizer.Encode($"{i} #### {i % 5}"),
            string.Empty,
            i % 2)
        { Advantage = (i % 4) - 1.5 }).ToList();
        var options = new RlvrOptions { Steps = 1, PromptsPerStep = 2, GroupSize = 4, PpoEpochs = 2, MicroBatchSize = 4, KlCoefficient = 0.05, MaxNewTokens = 16 };
        float[] Run(Device device)
        {
            using var policy = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 1);
            using var reference = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 2);
            policy.To(device);
            reference.To(device);
            var trainable = policy.Parameters().ToList();
            using var optimizer = new AdamW(trainable, 1e-3, eps: 1e-4);
            var scheduler = new LearningRateScheduler(optimizer, LearningRateSchedule.Constant(0), 1e-3);
            new PolicyUpdate(policy, reference, options, new ComputeOptions { Device = device }, new DataParallelGroup(null, device), Pad)
                .Run(rollouts, optimizer, scheduler, trainable, 0, []);
            return policy.Body.Layers[1].SelfAttention.QProj.Weight.Cpu().ToArray<float>();
        }

        var difference = Run(Device.Cpu).Zip(Run(CheckDevice.Device), (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{CheckDevice.Device}: max |weight difference| after 2 PPO epochs {difference:E2}");
        ((double)difference).ShouldBeLessThan(1e-5);
    }

    [Fact]
    public void Greedy_generation_on_the_device_picks_the_cpus_tokens()
    {
        var tokenizer = BuiltinTokenizers.Arithmetic;
        IReadOnlyList<IReadOnlyList<int>> prompts = [tokenizer.Encode("What is 2+3?"), tokenizer.Encode("1+1="), tokenizer.Encode("Add 4 and 5.")];
        int[][] Run(Device device)
        {
            using var model = new CausalLanguageModel(BuiltinModels.Tiny(tokenizer), seed: 5);
            model.To(device);
            return [.. new Trainer.Generation.TextGenerator(model, Pad).Generate(prompts, Trainer.Generation.SamplingOptions.Greedy(12)).Select(r => r.Tokens)];
        }

        Run(CheckDevice.Device).ShouldBe(Run(Device.Cpu));
    }

    [Fact]
    public void Memory_statistics_come_from_the_cuda_allocator()
    {
        if (!CheckDevice.Device.IsCuda)
        {
            Should.Throw<TorchException>(() => Cuda.MemoryStats()).Message.ShouldContain("memory statistics need CUDA");
            return;
        }

        using var scope = TorchScope.NewDisposeScope();
        var index = CheckDevice.Device.Index;
        Cuda.ResetPeakMemory(index);
        var before = Cuda.MemoryStats(index);
        var big = Tensors.Zeros([64, 1024, 1024], ScalarType.Float32, CheckDevice.Device); // 256 MiB
        var during = Cuda.MemoryStats(index);
        (during.AllocatedBytes - before.AllocatedBytes).ShouldBeGreaterThanOrEqualTo(256L << 20);
        during.PeakAllocatedBytes.ShouldBeGreaterThanOrEqualTo(during.AllocatedBytes);
        big.Dispose();
        Cuda.MemoryStats(index).AllocatedBytes.ShouldBeLessThan(during.AllocatedBytes);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Losses : ITrainingObserver
    {
        public List<double> Values { get; } = [];

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics) => Values.Add(metrics["loss"]);

        public void OnCheckpoint(long step, string path)
        {
        }

        public void OnMessage(string message)
        {
        }
    }
}
