namespace PostTrain.Torch;

/// <summary>How a loss combines its per-element values.</summary>
public enum Reduction
{
    /// <summary>Keep one value per element.</summary>
    None = 0,

    /// <summary>Average over the elements that count (ignored targets excluded).</summary>
    Mean = 1,

    /// <summary>Sum.</summary>
    Sum = 2,
}
