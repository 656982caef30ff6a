namespace PostTrain.Api.Validation;

/// <summary>One problem with a document: the field path and what is wrong there.</summary>
/// <param name="Path">The field path, e.g. <c>spec.training.learningRate</c>; empty for the whole document.</param>
/// <param name="Message">What is wrong, e.g. <c>must be &gt; 0</c>.</param>
public sealed record ValidationError(string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
