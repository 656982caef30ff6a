namespace PostTrain.Api.Schema;

/// <summary>The numeric lower bound of a property (<c>minimum</c>, optionally <c>exclusiveMinimum</c>).</summary>
/// <param name="minimum">The bound.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeMinimumAttribute(double minimum) : Attribute
{
    /// <summary>The bound.</summary>
    public double Minimum { get; } = minimum;

    /// <summary>True when the bound itself is not allowed.</summary>
    public bool ExclusiveMinimum { get; init; }
}
