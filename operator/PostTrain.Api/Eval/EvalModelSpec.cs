using PostTrain.Api.Model;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Eval;

/// <summary>A model to evaluate, named for the results table: exactly one of source or fromJob.</summary>
public sealed class EvalModelSpec : ModelSpec
{
    /// <summary>The model's row name in the results (e.g. base, sft, rlvr).</summary>
    [Required]
    [Pattern("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    [Length(MaxLength = 63)]
    public string Name { get; set; } = "";
}
