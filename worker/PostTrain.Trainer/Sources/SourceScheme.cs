namespace PostTrain.Trainer.Sources;

/// <summary>The kinds of source URI the trainer understands.</summary>
public enum SourceScheme
{
    /// <summary>A plain local path (absolute or relative to the working directory).</summary>
    Path,

    /// <summary><c>file:///absolute/path</c>.</summary>
    File,

    /// <summary><c>pvc://claim/path</c>: a PersistentVolumeClaim mounted under a root (default <c>/mnt/pvc/&lt;claim&gt;</c>).</summary>
    Pvc,

    /// <summary><c>hf://org/name[@revision]</c>: a Hugging Face hub repository.</summary>
    HuggingFace,

    /// <summary><c>builtin://name[?options]</c>: a model or dataset that ships with the project.</summary>
    Builtin,
}
