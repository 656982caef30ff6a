using System.Text.Json.Serialization;

namespace PostTrain.Api.Rlvr;

/// <summary>Where a math reward looks for the completion's answer.</summary>
public enum MathMode
{
    /// <summary>Only an answer in the expected format (\boxed{...} or after '####').</summary>
    [JsonStringEnumMemberName("strict")]
    Strict,

    /// <summary>The expected format, else the last number in the completion.</summary>
    [JsonStringEnumMemberName("flexible")]
    Flexible,
}
