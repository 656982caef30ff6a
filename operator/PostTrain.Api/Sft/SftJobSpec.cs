using PostTrain.Api.Model;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Sft;

/// <summary>What an SftJob trains: a model, on a dataset of demonstrations, with the given hyperparameters.</summary>
public sealed class SftJobSpec : JobSpecBase
{
    /// <summary>The model to fine-tune. Immutable.</summary>
    [Required]
    [ValidationRule("self == oldSelf", Message = "model is immutable")]
    public ModelSpec Model { get; set; } = new();

    /// <summary>The fine-tuning hyperparameters.</summary>
    public SftTrainingSpec Training { get; set; } = new();
}
