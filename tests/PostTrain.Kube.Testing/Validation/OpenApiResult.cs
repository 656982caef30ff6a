namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// The result of validating one value (kube-openapi validate.Result): errors, kept unique by message as
/// Result.AddErrors does, and the match count anyOf/oneOf use to pick the most relevant failed branch.
/// </summary>
internal sealed class OpenApiResult
{
    private readonly List<OpenApiError> _errors = [];

    public IReadOnlyList<OpenApiError> Errors => _errors;

    public int MatchCount { get; set; }

    public bool IsValid => _errors.Count == 0;

    /// <summary>A result holding one error (kube-openapi's errorHelp.sErr: no match counted).</summary>
    public static OpenApiResult Of(OpenApiError error)
    {
        var result = new OpenApiResult();
        result.Add(error);
        return result;
    }

    public void Add(OpenApiError error)
    {
        if (!_errors.Exists(e => e.Message == error.Message))
        {
            _errors.Add(error);
        }
    }

    public OpenApiResult Merge(OpenApiResult? other)
    {
        if (other is not null)
        {
            foreach (var error in other._errors)
            {
                Add(error);
            }

            MatchCount += other.MatchCount;
        }

        return this;
    }

    /// <summary>Drops the errors (ratcheting turns them into warnings kube never sends).</summary>
    public void ClearErrors() => _errors.Clear();
}
