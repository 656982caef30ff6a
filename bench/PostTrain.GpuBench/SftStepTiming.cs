using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Training;

namespace PostTrain.GpuBench;

/// <summary>What one SFT timing measured.</summary>
/// <param name="StepSeconds">Median seconds per step after warm-up.</param>
/// <param name="TokensPerSecond">Tokens per second at the median step.</param>
/// <param name="Mfu">Model FLOPs utilisation against the given peak, or null without one.</param>
/// <param name="PeakMemoryBytes">The CUDA allocator's peak, or null on the CPU.</param>
/// <param name="Losses">Every step's loss.</param>
public sealed record SftTiming(double StepSeconds, double TokensPerSecond, double? Mfu, long? PeakMemoryBytes, IReadOnlyList<double> Losses);

/// <summary>
/// SFT steps as the worker takes them (<see cref="SftTrainer"/> with its device, precision and checkpointing) on
/// random sequences of one length, every token a target: the step time a user's job would see, warm-up excluded.
/// </summary>
public static class SftStepTiming
{
    /// <summary>Times <paramref name="steps"/> steps after <paramref name="warmUp"/> of <paramref name="shape"/>.</summary>
    public static SftTiming Run(ModelShape shape, ComputeOptions compute, int batch, int sequenceLength, int steps, int warmUp, double? peakFlops, string scratch)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(compute);
        var random = new Random(1);
        var total = warmUp + steps;
        var data = Enumerable.Range(0, batch * total).Select(_ =>
        {
            var ids = Enumerable.Range(0, sequenceLength).Select(_ => random.Next(shape.Config.VocabSize)).ToArray();
            return new TokenizedSequence(ids, ids);
        }).ToList();
        using var model = new CausalLanguageModel(shape.Config, seed: 1);
        model.To(compute.Device);
        var options = new SftOptions { MaxSteps = total, BatchSize = batch, MicroBatchSize = batch, LearningRate = 1e-4, Schedule = LrSchedule.Constant, Seed = 1, MaxSequenceLength = sequenceLength, Resume = false, SaveEverySteps = 0 };
        var observer = new StepClock();
        if (compute.Device.IsCuda)
        {
            Cuda.ResetPeakMemory(compute.Device.Index);
        }

        var directory = Path.Combine(scratch, $"sft-{shape.Name}-{Guid.NewGuid():N}");
        try
        {
            // The run ends with a checkpoint, after the timed steps, into a scratch folder deleted below.
            new SftTrainer(model, options, padTokenId: 0, observer: observer, compute: compute).Train(data, [], new CheckpointManager(directory, 1));
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }

        var timed = observer.Seconds.Skip(warmUp).Order().ToList();
        var median = timed[timed.Count / 2];
        var tokensPerSecond = batch * sequenceLength / median;
        var mfu = peakFlops is { } peak ? tokensPerSecond * shape.TrainingFlopsPerToken(sequenceLength) / peak : (double?)null;
        long? memory = compute.Device.IsCuda ? Cuda.MemoryStats(compute.Device.Index).PeakAllocatedBytes : null;
        return new SftTiming(median, tokensPerSecond, mfu, memory, observer.Losses);
    }

    /// <summary>The trainer's own step times (a step ends by reading its loss, so the device has finished it).</summary>
    private sealed class StepClock : ITrainingObserver
    {
        public List<double> Seconds { get; } = [];

        public List<double> Losses { get; } = [];

        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
        {
            Seconds.Add(metrics["step_seconds"]);
            Losses.Add(metrics["loss"]);
        }

        public void OnCheckpoint(long step, string path)
        {
        }

        public void OnMessage(string message)
        {
        }
    }
}
