namespace PostTrain.Api.Schema;

/// <summary>A regular expression a string property must match (<c>pattern</c>; keep it within RE2 syntax).</summary>
/// <param name="pattern">The regular expression.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PatternAttribute(string pattern) : Attribute
{
    /// <summary>The regular expression.</summary>
    public string Pattern { get; } = pattern;
}
