namespace PostTrain.Kube.Testing.Patching;

/// <summary>
/// How strategic merge patch treats one field of a type: its strategy, its merge key (for lists of maps with the
/// merge strategy), whether it carries <c>retainKeys</c>, and the schema of its value (of each element, for a list).
/// </summary>
/// <param name="Strategy">The patch strategy.</param>
/// <param name="MergeKey">The key that identifies elements of a merging list of maps; null for other fields.</param>
/// <param name="RetainKeys">
/// Whether the Go tag includes <c>retainKeys</c>: a client computing a patch sends <c>$retainKeys</c> for this field.
/// Applying a patch never depends on it: the <c>$retainKeys</c> directive in the patch drives what is cleared.
/// </param>
/// <param name="Schema">The schema of the field's value, or of each element when the field is a list.</param>
public sealed record PatchField(PatchStrategy Strategy, string? MergeKey, bool RetainKeys, PatchSchema Schema)
{
    /// <summary>A field without tags whose value has no tagged fields below it either.</summary>
    public static PatchField None { get; } = new(PatchStrategy.None, null, RetainKeys: false, PatchSchema.Empty);

    /// <summary>A field without tags (a struct, or a list replaced whole) with tagged fields below it.</summary>
    public static PatchField Of(PatchSchema schema) => new(PatchStrategy.None, null, RetainKeys: false, schema);

    /// <summary>A list of maps merged by <paramref name="mergeKey"/> (<c>patchStrategy:"merge" patchMergeKey:"..."</c>).</summary>
    public static PatchField MergeBy(string mergeKey, PatchSchema? element = null) =>
        new(PatchStrategy.Merge, mergeKey, RetainKeys: false, element ?? PatchSchema.Empty);

    /// <summary>A list of primitives merged as a set (<c>patchStrategy:"merge"</c> without a merge key).</summary>
    public static PatchField MergeSet() => new(PatchStrategy.Merge, null, RetainKeys: false, PatchSchema.Empty);

    /// <summary>A field the patch replaces whole (<c>patchStrategy:"replace"</c>).</summary>
    public static PatchField Replace() => new(PatchStrategy.Replace, null, RetainKeys: false, PatchSchema.Empty);

    /// <summary>This field with <c>retainKeys</c> added to its tag.</summary>
    public PatchField WithRetainKeys() => this with { RetainKeys = true };
}
