namespace PostTrain.Api.Schema;

/// <summary>Bounds on an array's size (<c>minItems</c>, <c>maxItems</c>); -1 means unbounded.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute : Attribute
{
    /// <summary>The least number of items, or -1.</summary>
    public int MinItems { get; init; } = -1;

    /// <summary>The greatest number of items, or -1.</summary>
    public int MaxItems { get; init; } = -1;
}
