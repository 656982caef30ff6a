using PostTrain.Torch;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Training;
using TorchOps = PostTrain.Torch.Tensors;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>training.gradientCheckpointing recomputes each decoder layer in backward; the gradients must not change.</summary>
public sealed class GradientCheckpointingTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-ckpt-");

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)] // packed rows: positions and a block mask handed to every recomputed layer
    [InlineData(false, true)] // under bf16 autocast, which the recomputation repeats
    public void Gradients_equal_those_without_checkpointing_within_1e_6(bool packed, bool bf16)
    {
        var sequences = SftFixtures.Sequences(6, seed: 9);
        Dictionary<string, float[]> Gradients(bool checkpointing)
        {
            using var scope = TorchScope.NewDisposeScope();
            using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 3) { GradientCheckpointing = checkpointing };
            model.Train();
            using var batch = packed ? TrainingBatch.Packed(sequences, 512, SftFixtures.PadId) : TrainingBatch.Padded(sequences, SftFixtures.PadId);
            Tensor loss;
            using (bf16 ? TorchOps.Autocast(DeviceType.Cpu) : (IDisposable?)null)
            {
                var logits = packed ? model.ForwardWithPositions(batch.InputIds, batch.PositionIds!, batch.PackedMask!) : model.Forward(batch.InputIds, batch.AttentionMask);
                loss = Functional.CrossEntropy(logits.To(ScalarType.Float32).View(-1, logits.Shape[^1]), batch.Targets.View(-1), ignoreIndex: TokenizedSequence.Ignore);
            }

            loss.Backward();
            return model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToArray<float>());
        }

        var plain = Gradients(false);
        var checkpointed = Gradients(true);
        checkpointed.Keys.ShouldBe(plain.Keys);
        foreach (var (name, expected) in plain)
        {
            expected.ShouldContain(g => g != 0f, name);
            var actual = checkpointed[name];
            for (var i = 0; i < expected.Length; i++)
            {
                Math.Abs(actual[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-6f, $"{name}[{i}]");
            }
        }
    }

    [Fact]
    public void An_sft_run_with_checkpointing_takes_the_steps_of_one_without()
    {
        var sequences = SftFixtures.Sequences(12, seed: 2);
        var options = new SftOptions { MaxSteps = 3, BatchSize = 4, MicroBatchSize = 2, LearningRate = 3e-3, Seed = 1 };
        float[] Run(bool checkpointing)
        {
            using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
            new SftTrainer(model, options, SftFixtures.PadId, compute: ComputeOptions.Cpu with { GradientCheckpointing = checkpointing })
                .Train(sequences, [], new CheckpointManager(Path.Combine(_dir.Path, checkpointing ? "on" : "off")));
            model.GradientCheckpointing.ShouldBe(checkpointing);
            return model.OutputWeight.ToArray<float>();
        }

        var plain = Run(false);
        var checkpointed = Run(true);
        for (var i = 0; i < plain.Length; i++)
        {
            // 2e-6: with varlen attention (CPU float32's SFT layout) the two graphs sum the q, k and v projections'
            // gradients in another order; after three AdamW steps the weights differ by 1.2e-6 (padded rows: 2.8e-7).
            Math.Abs(checkpointed[i] - plain[i]).ShouldBeLessThanOrEqualTo(2e-6f);
        }
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>Reads the process-wide segment counter, so it runs alone.</summary>
[Collection(NativeCounterCollection.Name)]
public sealed class GradientCheckpointingRecomputeTests
{
    [Theory]
    [InlineData(true, 2)]   // each layer runs in forward without a graph, then again in backward
    [InlineData(false, 0)]
    public void Each_decoder_layer_runs_again_in_backward_only_with_checkpointing(bool checkpointing, int runsPerLayer)
    {
        using var scope = TorchScope.NewDisposeScope();
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 3) { GradientCheckpointing = checkpointing };
        model.Train();
        using var batch = TrainingBatch.Padded(SftFixtures.Sequences(2), SftFixtures.PadId);
        var before = PostTrain.Torch.NN.ActivationCheckpoint.SegmentRuns;
        model.Forward(batch.InputIds, batch.AttentionMask).Sum().Backward();
        (PostTrain.Torch.NN.ActivationCheckpoint.SegmentRuns - before).ShouldBe(runsPerLayer * SftFixtures.SmallConfig.NumHiddenLayers);

        model.Eval();
        before = PostTrain.Torch.NN.ActivationCheckpoint.SegmentRuns;
        using (TorchOps.NoGrad())
        {
            model.Forward(batch.InputIds, batch.AttentionMask);
        }

        PostTrain.Torch.NN.ActivationCheckpoint.SegmentRuns.ShouldBe(before, "inference never checkpoints");
    }
}
