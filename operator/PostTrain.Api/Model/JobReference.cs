using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>Names another PostTrain job in the same namespace whose newest checkpoint is used once it has succeeded.</summary>
public sealed class JobReference
{
    /// <summary>The kind of the job: SftJob or RlvrJob.</summary>
    [Required]
    [Length(MaxLength = 16)]
    public JobReferenceKind Kind { get; set; } = JobReferenceKind.SftJob;

    /// <summary>The name of the job, in the same namespace.</summary>
    [Required]
    [Length(MinLength = 1, MaxLength = 63)]
    public string Name { get; set; } = "";

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}/{Name}";
}
