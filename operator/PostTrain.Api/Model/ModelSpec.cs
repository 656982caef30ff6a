using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>
/// Where a model's weights and tokenizer come from: exactly one of <c>source</c> (a URI) or <c>fromJob</c>
/// (another job's newest checkpoint).
/// </summary>
[ValidationRule("has(self.source) != has(self.fromJob)", Message = "exactly one of source or fromJob must be set")]
public class ModelSpec
{
    /// <summary>
    /// The model URI: <c>hf://org/name[@revision]</c> (Hugging Face hub; honours HF_ENDPOINT and HF_TOKEN),
    /// <c>pvc://claim/path</c>, <c>file:///path</c> or a plain path, or <c>builtin://tiny</c> (the small model
    /// that ships with PostTrain). A PEFT adapter folder (adapter_config.json and adapter_model.safetensors, no
    /// config.json) loads onto the base its base_model_name_or_path names (a path, or a repository id fetched from
    /// the hub) with the adapter merged. Exclusive with fromJob.
    /// </summary>
    [Pattern(SourceUri.Pattern)]
    [Length(MinLength = 1, MaxLength = 2048)]
    public string? Source { get; set; }

    /// <summary>Start from the newest checkpoint of another job once it has succeeded. Exclusive with source.</summary>
    public JobReference? FromJob { get; set; }

    /// <summary>
    /// A PEFT LoRA adapter to load onto this model (the base, from source or fromJob) and merge into its weights: a
    /// folder or hub repository holding adapter_config.json and adapter_model.safetensors, as a URI like source
    /// (hf://, pvc://, file:// or a path). The adapter's own base_model_name_or_path is not used. To load an adapter
    /// onto the base it names instead, set source to the adapter folder itself.
    /// </summary>
    [Pattern(SourceUri.Pattern)]
    [Length(MinLength = 1, MaxLength = 2048)]
    public string? Adapter { get; set; }

    /// <summary>
    /// The dtype the weights are loaded in: auto (as stored), float32, bfloat16 or float16. A model that an SftJob or
    /// RlvrJob trains always keeps float32 master weights (training.precision chooses bf16 compute); the dtype then
    /// applies to frozen models only: a reference model, or the models an EvalJob measures.
    /// </summary>
    [Length(MaxLength = 16)]
    public ModelDtype Dtype { get; set; } = ModelDtype.Auto;
}
