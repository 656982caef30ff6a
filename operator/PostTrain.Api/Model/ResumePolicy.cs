using System.Text.Json.Serialization;

namespace PostTrain.Api.Model;

/// <summary>What a restarted worker does with checkpoints it finds at the output location.</summary>
public enum ResumePolicy
{
    /// <summary>Resume exactly from the newest complete checkpoint when there is one.</summary>
    [JsonStringEnumMemberName("auto")]
    Auto,

    /// <summary>Always start from the beginning.</summary>
    [JsonStringEnumMemberName("never")]
    Never,
}
