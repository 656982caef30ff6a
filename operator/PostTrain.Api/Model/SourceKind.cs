namespace PostTrain.Api.Model;

/// <summary>Where a <see cref="SourceUri"/> points.</summary>
public enum SourceKind
{
    /// <summary><c>hf://org/name[@revision]</c>: the Hugging Face hub.</summary>
    HuggingFace,

    /// <summary><c>pvc://claim/path</c>: a path inside a PersistentVolumeClaim.</summary>
    Pvc,

    /// <summary><c>file:///path</c> or a plain path on the worker's file system.</summary>
    File,

    /// <summary><c>builtin://name</c>: a model or dataset that ships with PostTrain.</summary>
    Builtin,
}
