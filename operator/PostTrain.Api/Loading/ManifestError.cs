namespace PostTrain.Api.Loading;

/// <summary>One problem in a manifest file, located as precisely as the input allows.</summary>
/// <param name="Source">The file name (or another label for the text).</param>
/// <param name="Document">The document's index in the file, from 0; -1 for the whole file.</param>
/// <param name="Line">The 1-based line, or 0 when unknown.</param>
/// <param name="Column">The 1-based column, or 0 when unknown.</param>
/// <param name="Path">The field path, e.g. <c>spec.training.learningRate</c>; empty for the whole document.</param>
/// <param name="Message">What is wrong.</param>
public sealed record ManifestError(string Source, int Document, long Line, long Column, string Path, string Message)
{
    /// <summary><c>file:line:column: path: message</c>, the form compilers and editors understand.</summary>
    /// <returns>The error as one line.</returns>
    public override string ToString()
    {
        var where = Line > 0 ? $"{Source}:{Line}:{Column}" : Source;
        return Path.Length == 0 ? $"{where}: {Message}" : $"{where}: {Path}: {Message}";
    }
}
