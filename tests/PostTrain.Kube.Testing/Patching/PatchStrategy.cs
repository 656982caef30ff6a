namespace PostTrain.Kube.Testing.Patching;

/// <summary>
/// A field's strategic merge patch strategy, as the <c>patchStrategy</c> struct tag of the Go API types declares it
/// (leaving out <c>retainKeys</c>, which <see cref="PatchField.RetainKeys"/> carries).
/// </summary>
public enum PatchStrategy
{
    /// <summary>No tag: maps merge key by key, lists are replaced whole.</summary>
    None,

    /// <summary><c>patchStrategy:"merge"</c>: a list merges by its merge key (maps) or as a set (primitives).</summary>
    Merge,

    /// <summary><c>patchStrategy:"replace"</c>: the patch's value replaces the field whole, maps included.</summary>
    Replace,
}
