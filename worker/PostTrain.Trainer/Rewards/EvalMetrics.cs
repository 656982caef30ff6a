namespace PostTrain.Trainer.Rewards;

/// <summary>Metrics an EvalJob reports: greedy accuracy and the unbiased pass@k estimator.</summary>
public static class EvalMetrics
{
    /// <summary>The fraction of items answered correctly by greedy decoding; 0 for no items.</summary>
    public static double GreedyAccuracy(IEnumerable<bool> correct)
    {
        ArgumentNullException.ThrowIfNull(correct);
        var n = 0;
        var c = 0;
        foreach (var ok in correct)
        {
            n++;
            c += ok ? 1 : 0;
        }

        return n == 0 ? 0 : (double)c / n;
    }

    /// <summary>
    /// The unbiased pass@k of one item with <paramref name="n"/> samples of which <paramref name="c"/> are correct
    /// (Chen et al. 2021, "Evaluating Large Language Models Trained on Code"): 1 − C(n−c, k)/C(n, k), computed as
    /// 1 − ∏_{i=n−c+1}^{n} (1 − k/i), which never forms the large binomials.
    /// </summary>
    public static double PassAtK(int n, int c, int k)
    {
        if (n < 1 || c < 0 || c > n || k < 1 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"pass@k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}");
        }

        if (n - c < k)
        {
            return 1.0;
        }

        var allFail = 1.0;
        for (var i = n - c + 1; i <= n; i++)
        {
            allFail *= 1.0 - ((double)k / i);
        }

        return 1.0 - allFail;
    }

    /// <summary>The mean pass@k over items, each given as (samples, correct samples); 0 for no items.</summary>
    public static double MeanPassAtK(IEnumerable<(int Samples, int Correct)> items, int k)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.ToList();
        return list.Count == 0 ? 0 : list.Average(i => PassAtK(i.Samples, i.Correct, k));
    }
}
