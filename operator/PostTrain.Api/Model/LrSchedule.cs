using System.Text.Json.Serialization;

namespace PostTrain.Api.Model;

/// <summary>How the learning rate changes after warmup.</summary>
public enum LrSchedule
{
    /// <summary>Stays at the peak.</summary>
    [JsonStringEnumMemberName("constant")]
    Constant,

    /// <summary>Decays linearly to 0 at the last step.</summary>
    [JsonStringEnumMemberName("linear")]
    Linear,

    /// <summary>Follows half a cosine down to 0 at the last step.</summary>
    [JsonStringEnumMemberName("cosine")]
    Cosine,
}
