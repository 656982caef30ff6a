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
    /// that ships with PostTrain). Exclusive with fromJob.
    /// </summary>
    [Pattern(SourceUri.Pattern)]
    [Length(MinLength = 1, MaxLength = 2048)]
    public string? Source { get; set; }

    /// <summary>Start from the newest checkpoint of another job once it has succeeded. Exclusive with source.</summary>
    public JobReference? FromJob { get; set; }

    /// <summary>
    /// The dtype the weights are loaded in: auto (as stored), float32, bfloat16 or float16. A model that an SftJob or
    /// RlvrJob trains always keeps float32 master weights (training.precision chooses bf16 compute); the dtype then
    /// applies to frozen models only: a reference model, or the models an EvalJob measures.
    /// </summary>
    [Length(MaxLength = 16)]
    public ModelDtype Dtype { get; set; } = ModelDtype.Auto;
}
