using System.Text.Json.Serialization;

namespace PostTrain.Api.Model;

/// <summary>The arithmetic precision of training.</summary>
public enum Precision
{
    /// <summary>32-bit floating point throughout.</summary>
    [JsonStringEnumMemberName("fp32")]
    Fp32,

    /// <summary>bfloat16 compute with fp32 master weights and optimizer state.</summary>
    [JsonStringEnumMemberName("bf16")]
    Bf16,
}
