namespace PostTrain.Api.Yaml;

/// <summary>A position in a YAML text: 1-based line and column.</summary>
/// <param name="Line">The line, from 1.</param>
/// <param name="Column">The column, from 1.</param>
public readonly record struct YamlMark(long Line, long Column)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Line}:{Column}";
}
