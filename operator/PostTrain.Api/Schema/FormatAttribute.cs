namespace PostTrain.Api.Schema;

/// <summary>An OpenAPI <c>format</c> for a string property (e.g. <c>uri</c>), overriding the one derived from its type.</summary>
/// <param name="format">The format name.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class FormatAttribute(string format) : Attribute
{
    /// <summary>The format name.</summary>
    public string Format { get; } = format;
}
