namespace PostTrain.Api.Schema;

/// <summary>Bounds on a string's length (<c>minLength</c>, <c>maxLength</c>); -1 means unbounded.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LengthAttribute : Attribute
{
    /// <summary>The least length, or -1.</summary>
    public int MinLength { get; init; } = -1;

    /// <summary>The greatest length, or -1.</summary>
    public int MaxLength { get; init; } = -1;
}
