namespace PostTrain.Kube.Testing;

/// <summary>The options of one write request (create, update, patch, delete) and what it reports back besides the object.</summary>
public sealed class WriteOptions
{
    /// <summary><c>dryRun=All</c>: everything is checked and the result returned, nothing is stored.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// <c>fieldValidation</c>: Strict (unknown or duplicate fields of a custom resource are a 400), Warn (they are
    /// warnings; kube's default when unset) or Ignore (dropped silently).
    /// </summary>
    public string? FieldValidation { get; init; }

    /// <summary>The paths of fields the request body repeats (JSON bodies only).</summary>
    public IReadOnlyList<string> DuplicateFields { get; init; } = [];

    /// <summary>Warnings for the client, sent as <c>Warning</c> headers (unknown fields under Warn, ratcheted rules, ...).</summary>
    public List<string> Warnings { get; } = [];
}
