using PostTrain.Torch;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Tests.Training;

public sealed class MemoryTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-memory-");

    /// <summary>hidden 8, intermediate 16, 3 layers, 2 heads of 4 (1 KV head), vocabulary 10.</summary>
    private static ModelConfig Small => SftFixtures.SmallConfig with { VocabSize = 10, HiddenSize = 8, IntermediateSize = 16, NumHiddenLayers = 3, NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 4 };

    [Fact]
    public void Activation_bytes_match_the_hand_computed_figures()
    {
        // Per token and layer: 4h + 2q + 2kv + 3i = 32 + 16 + 8 + 48 = 104 elements; 2 x 5 = 10 tokens.
        // Unfused attention: 2 sequences x 2 heads x 5 x 5 float32 = 400 bytes per layer. Logits: 10 x 10 x 4 x 2 = 800.
        MemoryEstimate.Activations(Small, 2, 5, 4, fusedAttention: false, checkpointing: false).ShouldBe((3 * ((10 * 104 * 4) + 400)) + 800);
        // Checkpointing keeps each layer's input (10 x 8 x 4 bytes) and one layer's worth while it is recomputed.
        MemoryEstimate.Activations(Small, 2, 5, 4, fusedAttention: false, checkpointing: true).ShouldBe((3 * 10 * 8 * 4) + (10 * 104 * 4) + 400 + 800);
        // bf16 activations, fused attention: half the bytes per element, no probability matrix; logits stay float32.
        MemoryEstimate.Activations(Small, 2, 5, 2, fusedAttention: true, checkpointing: false).ShouldBe((3 * 10 * 104 * 2) + 800);
    }

    [Fact]
    public void The_training_estimate_counts_weights_float32_gradients_and_two_adam_moments()
    {
        using var model = new CausalLanguageModel(Small, seed: 1);
        var parameters = model.ParameterCount();
        var estimate = MemoryEstimate.ForTraining(model, 2, 5, ComputeOptions.Cpu);
        estimate.WeightBytes.ShouldBe(parameters * 4);
        estimate.GradientBytes.ShouldBe(parameters * 4);
        estimate.OptimizerBytes.ShouldBe(parameters * 8);
        estimate.ActivationBytes.ShouldBe(MemoryEstimate.Activations(Small, 2, 5, 4, false, false));
        estimate.TotalBytes.ShouldBe((parameters * 16) + estimate.ActivationBytes);
        estimate.ToString().ShouldStartWith("memory estimate: weights ");
        estimate.ToString().ShouldContain("(micro-batch 2 x 5 tokens)");

        using var reference = new CausalLanguageModel(Small, seed: 2);
        MemoryEstimate.ForTraining(model, 2, 5, ComputeOptions.Cpu, reference).WeightBytes.ShouldBe(parameters * 8, "a frozen reference adds its weights only");
        MemoryEstimate.Size(1536).ShouldBe("1.5 KiB");
        MemoryEstimate.Size(3L << 30).ShouldBe("3.0 GiB");
    }

    [Fact]
    public void A_step_that_cannot_allocate_fails_naming_batch_and_length_and_keeps_the_checkpoint()
    {
        var options = new SftOptions { MaxSteps = 1, BatchSize = 1, MicroBatchSize = 1, LearningRate = 1e-3, Seed = 1, SaveEverySteps = 1 };
        var checkpoints = new CheckpointManager(Path.Combine(_dir.Path, "run"));
        using (var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            new SftTrainer(model, options, SftFixtures.PadId).Train(SftFixtures.Sequences(4), [], checkpoints);
        }

        var saved = checkpoints.Latest()!;
        // A padded batch whose attention mask, [T, T] booleans, cannot be allocated: with the kernel's default heuristic
        // overcommit, 2^20 tokens (a 1 TiB mask) are refused at once without touching memory; where every allocation is
        // granted (overcommit mode 1), 2^24 tokens (256 TiB) exceed the address space instead.
        var length = File.Exists("/proc/sys/vm/overcommit_memory") && File.ReadAllText("/proc/sys/vm/overcommit_memory").Trim() == "1" ? 1 << 24 : 1 << 20;
        var ids = new int[length];
        Array.Fill(ids, 5);
        TokenizedSequence[] batch = [new(ids, ids), new([5, 6], [5, 6])];
        using (var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1))
        {
            // Padded rows: the varlen layout (CPU float32's default) builds no mask, and would compute, not fail.
            var trainer = new SftTrainer(model, options with { MaxSteps = 2, BatchSize = 2, MicroBatchSize = 2 }, SftFixtures.PadId) { UseVarlen = false };
            var e = Should.Throw<TrainingOutOfMemoryException>(() => OutOfMemory.Explain(() => trainer.Train(batch, [], checkpoints), 2, length, checkpoints));
            e.Message.ShouldStartWith($"OutOfMemory: a training step with microBatchSize 2 and sequences of up to {length} tokens did not fit in memory");
            e.Message.ShouldContain("training.gradientCheckpointing: true");
            e.Message.ShouldContain($"The newest checkpoint is kept: {saved}.");
            e.InnerException.ShouldBeOfType<TorchException>();
        }

        checkpoints.Latest().ShouldBe(saved);
        using var reloaded = HfCheckpoint.Load(saved);
        reloaded.ParameterCount().ShouldBeGreaterThan(0);
        OutOfMemory.IsOutOfMemory(new TorchException("CUDA out of memory. Tried to allocate 2.00 GiB")).ShouldBeTrue();
        OutOfMemory.IsOutOfMemory(new TorchException("shape mismatch")).ShouldBeFalse();
    }

    public void Dispose() => _dir.Dispose();
}
