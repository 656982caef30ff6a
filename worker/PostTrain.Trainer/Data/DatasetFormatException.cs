namespace PostTrain.Trainer.Data;

/// <summary>
/// A dataset record is invalid; the message names the file, where in it (a line, or a parquet row and row group) and
/// what is wrong.
/// </summary>
public sealed class DatasetFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatasetFormatException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public DatasetFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public DatasetFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for one record of a text file: <c>{file}:{line}: {problem}</c>.</summary>
    public DatasetFormatException(string file, int line, string problem)
        : base($"{file}:{line}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>
    /// Creates the exception for one record located by <paramref name="location"/> (e.g. <c>row 12 (row group 2 of 3)</c>
    /// of a parquet file): <c>{file}: {location}: {problem}</c>.
    /// </summary>
    public DatasetFormatException(string file, int line, string location, string problem)
        : base($"{file}: {location}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    /// <summary>The file holding the bad record.</summary>
    public string? File { get; }

    /// <summary>The 1-based line (or array element, or parquet row) of the bad record.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string? Problem { get; }
}
