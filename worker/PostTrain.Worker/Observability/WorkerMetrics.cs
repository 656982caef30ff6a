using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace PostTrain.Worker.Observability;

/// <summary>
/// The worker's instruments on the <c>PostTrain.Worker</c> meter: one observable gauge per training figure (loss,
/// learning rate, reward mean, KL, ...), fed from the latest step, plus step and token counters. Labels: namespace,
/// job, kind.
/// </summary>
public sealed class WorkerMetrics : IDisposable
{
    /// <summary>The meter name to collect.</summary>
    public const string MeterName = "PostTrain.Worker";

    /// <summary>Figures exported as gauges, with their Prometheus name stem and unit.</summary>
    public static readonly IReadOnlyDictionary<string, (string Name, string? Unit, string Help)> Gauges = new Dictionary<string, (string, string?, string)>(StringComparer.Ordinal)
    {
        ["loss"] = ("posttrain.train.loss", null, "Training loss of the latest step."),
        ["validation_loss"] = ("posttrain.validation.loss", null, "Validation loss at the latest evaluation."),
        ["learning_rate"] = ("posttrain.learning.rate", null, "Learning rate of the latest step."),
        ["grad_norm"] = ("posttrain.gradient.norm", null, "Global gradient norm before clipping."),
        ["tokens_per_second"] = ("posttrain.train.tokens.per.second", null, "Training throughput of the latest step."),
        ["reward_mean"] = ("posttrain.reward.mean", null, "Mean reward of the latest rollouts."),
        ["reward_std"] = ("posttrain.reward.std", null, "Standard deviation of the latest rollouts' rewards."),
        ["pass_rate"] = ("posttrain.pass.rate", null, "Fraction of the latest rollouts with full reward."),
        ["kl"] = ("posttrain.kl", null, "Mean per-token KL to the reference model."),
        ["entropy"] = ("posttrain.entropy", null, "Mean per-token policy entropy."),
        ["clip_fraction"] = ("posttrain.clip.fraction", null, "Fraction of tokens whose PPO ratio was clipped."),
        ["clip_fraction_low"] = ("posttrain.clip.fraction.low", null, "Fraction of tokens held by the low clip bound (ratio below 1 - clip.low, negative advantage)."),
        ["clip_fraction_high"] = ("posttrain.clip.fraction.high", null, "Fraction of tokens held by the high clip bound (ratio above 1 + clip.high, positive advantage)."),
        ["dual_clip_fraction"] = ("posttrain.dual.clip.fraction", null, "Fraction of tokens bounded by the dual clip."),
        ["response_length_mean"] = ("posttrain.response.length.mean", null, "Mean response length in tokens."),
        ["zero_std_group_fraction"] = ("posttrain.zero.std.group.fraction", null, "Fraction of groups whose rewards were all equal."),
        ["rollout_tokens_per_second"] = ("posttrain.rollout.tokens.per.second", null, "Generation throughput of the latest rollouts."),
        ["generate_seconds"] = ("posttrain.phase.generate", "s", "Time spent generating in the latest step."),
        ["reward_seconds"] = ("posttrain.phase.reward", "s", "Time spent scoring in the latest step."),
        ["logprob_seconds"] = ("posttrain.phase.logprob", "s", "Time spent recomputing log-probabilities in the latest step."),
        ["update_seconds"] = ("posttrain.phase.update", "s", "Time spent in policy updates in the latest step."),
        ["val_accuracy"] = ("posttrain.validation.accuracy", null, "RLVR: fraction of held-out prompts whose greedy completion earned the full reward, at the latest validation."),
        ["accuracy"] = ("posttrain.eval.accuracy", null, "Greedy accuracy of the latest evaluated model."),
        ["progress_ratio"] = ("posttrain.progress", null, "Fraction of planned steps done."),
    };

    private readonly Meter _meter = new(MeterName);
    private readonly ConcurrentDictionary<string, double> _latest = new(StringComparer.Ordinal);
    private readonly Counter<long> _steps;
    private KeyValuePair<string, object?>[] _labels = [];

    /// <summary>Creates the instruments.</summary>
    public WorkerMetrics()
    {
        foreach (var (key, (name, unit, help)) in Gauges)
        {
            _meter.CreateObservableGauge(name, () => Observe(key), unit, help);
        }

        _steps = _meter.CreateCounter<long>("posttrain.train.steps", "{step}", "Optimizer steps completed.");
        _meter.CreateObservableGauge("posttrain.gpu.memory.allocated", ObserveGpuMemory, "By", "CUDA memory allocated by the trainer (absent on CPU).");
    }

    /// <summary>Sets the labels of every series to the job that is running now.</summary>
    public void SetJob(string? ns, string job, string kind)
    {
        _latest.Clear();
        _labels = [new("namespace", ns ?? "local"), new("job", job), new("kind", kind)];
    }

    /// <summary>Records a step's figures.</summary>
    public void Record(long step, long totalSteps, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        foreach (var (k, v) in metrics)
        {
            _latest[k] = v;
        }

        _latest["progress_ratio"] = totalSteps > 0 ? step / (double)totalSteps : 0;
        _steps.Add(1, _labels);
    }

    /// <summary>Records one figure (an evaluation result).</summary>
    public void Set(string key, double value) => _latest[key] = value;

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> Observe(string key) =>
        _latest.TryGetValue(key, out var v) && double.IsFinite(v) ? [new Measurement<double>(v, _labels)] : [];

    private IEnumerable<Measurement<long>> ObserveGpuMemory()
    {
        if (!PostTrain.Torch.TorchRuntime.CudaIsAvailable)
        {
            return [];
        }

        var stats = PostTrain.Torch.Cuda.MemoryStats(0);
        return [new Measurement<long>(stats.AllocatedBytes, _labels)];
    }
}
