using PostTrain.Api.Schema;

namespace PostTrain.Api.Eval;

/// <summary>pass@k with the unbiased estimator: n samples per problem, c of them correct, 1 - C(n-c, k) / C(n, k).</summary>
public sealed class PassAtKSpec
{
    /// <summary>The k values to report (each at most samples).</summary>
    [Items(MinItems = 1)]
    public List<int> K { get; set; } = [1];

    /// <summary>Samples n per problem.</summary>
    [RangeMinimum(1)]
    [RangeMaximum(1024)]
    public int Samples { get; set; } = 1;

    /// <summary>The sampling temperature.</summary>
    [RangeMinimum(0, ExclusiveMinimum = true)]
    [RangeMaximum(10)]
    public double Temperature { get; set; } = 0.8;
}
