using System.Diagnostics;
using System.Globalization;
using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Trainer.Models;
using PostTrain.Trainer.Sft;
using PostTrain.Trainer.Tests.Sft;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Training;
using Xunit.Abstractions;

namespace PostTrain.Trainer.Tests.Training;

/// <summary>training.precision on the CPU: libtorch's CPU autocast runs the same bf16 path the GPU does.</summary>
public sealed class PrecisionTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>
    /// The stated tolerance: bf16 rounds matrix-product inputs to 8 mantissa bits, so per-step losses wander; the curve
    /// (means over windows of 20 steps) must stay within 8% of fp32's, relative, all the way to step 200. Measured: at
    /// most 5.2%; fp32 itself with another data order moves these windows by up to 5.0% (docs/benchmarks.md).
    /// </summary>
    private const double CurveTolerance = 0.08;

    private readonly TempDirectory _dir = new("posttrain-precision-");

    [Fact]
    public void The_tiny_models_bf16_loss_curve_stays_within_8_percent_of_fp32_over_200_sft_steps()
    {
        var sequences = SftFixtures.Sequences(64, seed: 4);
        var options = new SftOptions { MaxSteps = 200, BatchSize = 8, MicroBatchSize = 8, LearningRate = 3e-3, Schedule = LrSchedule.Cosine, WarmupSteps = 10, Seed = 2, Resume = false };
        (List<double> Losses, double Seconds) Run(ComputeOptions compute, string name)
        {
            using var model = new CausalLanguageModel(BuiltinModels.Tiny(BuiltinTokenizers.Arithmetic), seed: 1);
            var losses = new List<double>();
            var clock = Stopwatch.StartNew();
            new SftTrainer(model, options, SftFixtures.PadId, observer: new LossObserver(losses), compute: compute).Train(sequences, [], new CheckpointManager(Path.Combine(_dir.Path, name)));
            model.Parameters().ShouldAllBe(p => p.DType == ScalarType.Float32, "master weights stay float32");
            return (losses, clock.Elapsed.TotalSeconds);
        }

        var fp32 = Run(ComputeOptions.Cpu, "fp32");
        var bf16 = Run(ComputeOptions.Cpu with { MixedPrecision = ScalarType.BFloat16 }, "bf16");
        fp32.Losses.Count.ShouldBe(200);
        bf16.Losses.Count.ShouldBe(200);
        bf16.Losses.ShouldNotBe(fp32.Losses, "bf16 must actually run in bf16");
        var worst = 0.0;
        for (var window = 0; window < 10; window++)
        {
            var a = fp32.Losses.Skip(window * 20).Take(20).Average();
            var b = bf16.Losses.Skip(window * 20).Take(20).Average();
            var relative = Math.Abs(b - a) / a;
            worst = Math.Max(worst, relative);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steps {(window * 20) + 1}-{(window + 1) * 20}: fp32 {a:F4} bf16 {b:F4} ({relative:P2})"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"worst {worst:P2}; fp32 {fp32.Seconds:F1} s, bf16 {bf16.Seconds:F1} s"));
        worst.ShouldBeLessThan(CurveTolerance);
        fp32.Losses.Skip(180).Average().ShouldBeLessThan(fp32.Losses.Take(20).Average() * 0.5, "both runs learned");
    }

    public void Dispose() => _dir.Dispose();

    private sealed class LossObserver(List<double> losses) : ITrainingObserver
    {
        public void OnStep(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics) => losses.Add(metrics["loss"]);

        public void OnCheckpoint(long step, string path)
        {
        }

        public void OnMessage(string message)
        {
        }
    }
}
