namespace PostTrain.Kube.Testing.Validation;

/// <summary>What else a custom resource request carries that changes its validation.</summary>
public sealed record CustomResourceValidationOptions
{
    /// <summary>
    /// The subresource written: null for the resource itself, or <c>status</c>, whose updates validate only
    /// <c>status</c> against its schema (field paths under <c>status.</c>, messages relative to it, as kube's status
    /// strategy does) while CEL rules still see the whole object.
    /// </summary>
    public string? Subresource { get; init; }

    /// <summary>
    /// The paths of fields repeated in the request body (<see cref="JsonBodyReader.Parse"/>): errors under
    /// fieldValidation=Strict, warnings under Warn.
    /// </summary>
    public IReadOnlyList<string> DuplicateFields { get; init; } = [];
}
