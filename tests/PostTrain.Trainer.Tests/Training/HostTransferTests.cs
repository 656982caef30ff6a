using PostTrain.Torch;
using PostTrain.Torch.Optim;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Rl;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Training;

namespace PostTrain.Trainer.Tests.Training;

/// <summary>
/// On a GPU every copy between host and device is a synchronisation point; the step loops keep their work on the
/// device and copy only the batch in and the scalars out. On the CPU the same code paths are counted
/// (<see cref="HostTransfers"/>) and pinned here, so a copy added to a loop fails a test before it slows a GPU.
/// </summary>
public sealed class HostTransferTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-transfers-");

    [Theory]
    [InlineData(false, 5)] // unpacked on the CPU in float32 is varlen: ids, targets, positions, sequence boundaries, labelled positions
    [InlineData(true, 5)]  // packed: ids, targets, positions, block mask, labelled positions per micro-batch
    public void An_sft_step_copies_its_micro_batches_in_and_reads_one_vector_of_scalars_out(bool packing, int tensorsPerMicroBatch)
    {
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var counter = HostTransfers.Count();
        var observer = new TransferObserver(counter);
        var options = new SftOptions { MaxSteps = 4, BatchSize = 8, MicroBatchSize = 4, LearningRate = 1e-3, Seed = 1, Packing = packing, MaxSequenceLength = 512 };
        new SftTrainer(model, options, SftFixtures.PadId, observer: observer).Train(SftFixtures.Sequences(16), [], new CheckpointManager(Path.Combine(_dir.Path, $"sft-{packing}")));

        // Between two step reports lies exactly one step: two micro-batches in, one read of (loss, tokens, grad norm).
        observer.Deltas.Count.ShouldBe(3);
        foreach (var (hostToTensor, tensorToHost, moves) in observer.Deltas)
        {
            hostToTensor.ShouldBe(2 * tensorsPerMicroBatch);
            tensorToHost.ShouldBe(1);
            moves.ShouldBe(0);
        }
    }

    [Fact]
    public void Generation_copies_the_prompts_in_reads_one_flag_per_token_and_the_tokens_once()
    {
        using var model = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        var tokenizer = SftFixtures.Tokenizer;
        var generator = new TextGenerator(model, SftFixtures.PadId, ids => tokenizer.Decode([.. ids], skipSpecialTokens: true));
        IReadOnlyList<IReadOnlyList<int>> prompts = [tokenizer.Encode("What is 2+3?"), tokenizer.Encode("1+1")];
        var eos = tokenizer.TokenToId(BuiltinTokenizers.ImEnd)!.Value;

        using (var counter = HostTransfers.Count())
        {
            var results = generator.Generate(prompts, new SamplingOptions { MaxNewTokens = 12, Seed = 4, EosTokenIds = [eos] });
            var steps = results.Max(r => r.Tokens.Length);
            counter.HostToTensor.ShouldBe(3); // prompt ids, the whole attention mask, the EOS ids
            counter.TensorToHost.ShouldBe(steps + 2); // one "all finished?" flag per step; tokens and log-probabilities
            counter.DeviceMoves.ShouldBe(0);
        }

        using (var counter = HostTransfers.Count())
        {
            // Stop strings need the text: each step reads the new ids and writes the finished flags back.
            var results = generator.Generate(prompts, new SamplingOptions { MaxNewTokens = 12, Seed = 4, EosTokenIds = [eos], StopStrings = ["9"] });
            var steps = results.Max(r => r.Tokens.Length);
            counter.HostToTensor.ShouldBe(3 + steps);
            counter.TensorToHost.ShouldBe(steps + 2);
            counter.DeviceMoves.ShouldBe(0);
        }
    }

    [Theory]
    [InlineData(1, 1, 0.0)]
    [InlineData(2, 2, 0.05)] // several epochs and mini-batches, old and reference log-probabilities: still on the device
    public void An_rl_update_copies_the_rollouts_in_once_and_reads_its_figures_once(int epochs, int miniBatches, double kl)
    {
        using var policy = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 1);
        using var reference = new CausalLanguageModel(SftFixtures.SmallConfig, seed: 2);
        var options = new RlvrOptions { Steps = 1, PromptsPerStep = 2, GroupSize = 4, PpoEpochs = epochs, MiniBatches = miniBatches, MicroBatchSize = 2, KlCoefficient = kl, MaxNewTokens = 8 };
        var rollouts = Rollouts(8);
        var trainable = policy.Parameters().Where(p => p.RequiresGrad).ToList();
        using var optimizer = new AdamW(trainable, 1e-3);
        var scheduler = new LearningRateScheduler(optimizer, LearningRateSchedule.Constant(0), 1e-3);
        var update = new PolicyUpdate(policy, kl > 0 ? reference : null, options, ComputeOptions.Cpu, new DataParallelGroup(null, Device.Cpu), SftFixtures.PadId);
        var metrics = new Dictionary<string, double>();
        using (var counter = HostTransfers.Count())
        {
            update.Run(rollouts, optimizer, scheduler, trainable, 0, metrics);
            counter.HostToTensor.ShouldBe(4 + epochs); // ids, attention, response mask, advantages; each epoch's order
            counter.TensorToHost.ShouldBe(1);
            counter.DeviceMoves.ShouldBe(0);
        }

        optimizer.StepCount.ShouldBe(epochs * miniBatches);
        metrics["grad_norm"].ShouldBeGreaterThan(0);
        metrics.ContainsKey("kl").ShouldBe(kl > 0);
    }

    public void Dispose() => _dir.Dispose();

    /// <summary><paramref name="count"/> rollouts of differing lengths with advantages that sum to zero per group of 4.</summary>
    internal static List<Rollout> Rollouts(int count)
    {
        var tokenizer = SftFixtures.Tokenizer;
        var rollouts = new List<Rollout>();
        for (var i = 0; i < count; i++)
        {
            var prompt = tokenizer.Encode($"What is {i}+{i % 3}?");
            var response = tokenizer.Encode($"{(2 * i) + (i % 3)} #### {i}".AsSpan(0, 3 + (i % 4)).ToString());
            var example = new Example { Id = $"r{i}", Prompt = $"What is {i}?", ReferenceAnswer = "1" };
            rollouts.Add(new Rollout(example, [.. prompt], [.. response], string.Empty, i % 2) { Advantage = (i % 4) - 1.5 });
        }

        return rollouts;
    }

    private sealed class TransferObserver(HostTransfers counter) : ITrainingObserver
    {
        private (long In, long Out, long Moves)? _last;

        public List<(long HostToTensor, long TensorToHost, long Moves)> Deltas { get; } = [];

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
        {
            var now = (counter.HostToTensor, counter.TensorToHost, counter.DeviceMoves);
            if (_last is { } last)
            {
                Deltas.Add((now.HostToTensor - last.In, now.TensorToHost - last.Out, now.DeviceMoves - last.Moves));
            }

            _last = now;
        }

        public void OnCheckpoint(long step, string path)
        {
        }

        public void OnMessage(string message)
        {
        }
    }
}
