namespace PostTrain.Api.Schema;

/// <summary>The array is a map keyed by the given fields (<c>x-kubernetes-list-type: map</c>).</summary>
/// <param name="keys">The key fields of each item.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ListMapAttribute(params string[] keys) : Attribute
{
    /// <summary>The key fields of each item.</summary>
    public IReadOnlyList<string> Keys { get; } = keys;
}
