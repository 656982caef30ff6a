using PostTrain.Api.Model;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Eval;

/// <summary>What an EvalJob measures: one or more models on one dataset.</summary>
public sealed class EvalJobSpec : JobSpecBase
{
    /// <summary>The models to evaluate, each a row of the results. Immutable.</summary>
    [Required]
    [Items(MinItems = 1, MaxItems = 16)]
    [ValidationRule("self == oldSelf", Message = "models is immutable")]
    public List<EvalModelSpec> Models { get; set; } = [];

    /// <summary>The metrics to compute.</summary>
    public EvalMetricsSpec Metrics { get; set; } = new();

    /// <summary>The longest completion, in tokens.</summary>
    [RangeMinimum(1)]
    public int MaxNewTokens { get; set; } = 256;

    /// <summary>Problems per generation batch.</summary>
    [RangeMinimum(1)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// An MBPP dataset runs model-written code: where the worker finds no isolation for it (no bubblewrap, no root for
    /// unshare, no sandbox sidecar), run it anyway as a plain process with rlimits and a seccomp filter. Unset or false:
    /// such a worker refuses the job and says why (docs/data-and-rewards.md, "The code sandbox").
    /// </summary>
    public bool? AllowUnisolatedCode { get; set; }
}
