using System.Text.Json.Serialization;

namespace PostTrain.Api.Model;

/// <summary>The kinds of job that produce a checkpoint another job can start from.</summary>
public enum JobReferenceKind
{
    /// <summary>A supervised fine-tuning job.</summary>
    [JsonStringEnumMemberName("SftJob")]
    SftJob,

    /// <summary>A reinforcement-learning job.</summary>
    [JsonStringEnumMemberName("RlvrJob")]
    RlvrJob,
}
