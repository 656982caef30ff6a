namespace PostTrain.Api.Schema;

/// <summary>The numeric upper bound of a property (<c>maximum</c>, optionally <c>exclusiveMaximum</c>).</summary>
/// <param name="maximum">The bound.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class RangeMaximumAttribute(double maximum) : Attribute
{
    /// <summary>The bound.</summary>
    public double Maximum { get; } = maximum;

    /// <summary>True when the bound itself is not allowed.</summary>
    public bool ExclusiveMaximum { get; init; }
}
