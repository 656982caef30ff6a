namespace PostTrain.Api.Eval;

/// <summary>Which metrics an EvalJob computes.</summary>
public sealed class EvalMetricsSpec
{
    /// <summary>Accuracy of one greedy completion per problem.</summary>
    public bool Accuracy { get; set; } = true;

    /// <summary>pass@k over sampled completions; unset skips it.</summary>
    public PassAtKSpec? PassAtK { get; set; }
}
