using System.Text.Json.Serialization;

namespace PostTrain.Api.Status;

/// <summary>The truth value of a condition.</summary>
public enum ConditionStatus
{
    /// <summary>The condition holds.</summary>
    [JsonStringEnumMemberName("True")]
    True,

    /// <summary>The condition does not hold.</summary>
    [JsonStringEnumMemberName("False")]
    False,

    /// <summary>Not known.</summary>
    [JsonStringEnumMemberName("Unknown")]
    Unknown,
}
