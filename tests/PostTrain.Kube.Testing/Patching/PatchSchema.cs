namespace PostTrain.Kube.Testing.Patching;

/// <summary>
/// The strategic merge patch metadata of one object type: for each field that carries a patch strategy, or has such
/// fields below it, how it is patched. Fields it does not list are patched without a strategy (maps merge, lists
/// are replaced), which is what the Go types' untagged fields do.
/// </summary>
public sealed class PatchSchema
{
    /// <summary>Creates the schema of a type.</summary>
    /// <param name="name">The type's name, for error messages (e.g. "PodSpec").</param>
    /// <param name="fields">The fields with a strategy or with such fields below them, by JSON name.</param>
    public PatchSchema(string name, IReadOnlyDictionary<string, PatchField>? fields = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Fields = fields ?? new Dictionary<string, PatchField>(StringComparer.Ordinal);
    }

    /// <summary>A type with no strategies anywhere: with it, a strategic merge patch acts as a JSON merge patch plus the directives.</summary>
    public static PatchSchema Empty { get; } = new("object");

    /// <summary>The type's name.</summary>
    public string Name { get; }

    /// <summary>The fields the schema describes, by JSON name.</summary>
    public IReadOnlyDictionary<string, PatchField> Fields { get; }

    /// <summary>How a field is patched; <see cref="PatchField.None"/> for a field the schema does not list.</summary>
    public PatchField Field(string name) => Fields.TryGetValue(name, out var field) ? field : PatchField.None;

    /// <inheritdoc />
    public override string ToString() => Name;
}
