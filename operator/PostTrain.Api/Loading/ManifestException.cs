namespace PostTrain.Api.Loading;

/// <summary>A manifest could not be loaded; <see cref="Errors"/> lists every problem found.</summary>
public sealed class ManifestException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    /// <param name="errors">The problems; at least one.</param>
    public ManifestException(IReadOnlyList<ManifestError> errors)
        : base(Describe(errors)) => Errors = errors;

    /// <summary>Creates the exception with a message only.</summary>
    public ManifestException()
        : this([new ManifestError("", -1, 0, 0, "", "invalid manifest")])
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    /// <param name="message">The message.</param>
    public ManifestException(string message)
        : this([new ManifestError("", -1, 0, 0, "", message)])
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ManifestException(string message, Exception innerException)
        : base(message, innerException) => Errors = [new ManifestError("", -1, 0, 0, "", message)];

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<ManifestError> Errors { get; }

    private static string Describe(IReadOnlyList<ManifestError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count == 1
            ? errors[0].ToString()
            : $"{errors.Count} errors:\n" + string.Join("\n", errors.Select(e => "  " + e));
    }
}
