using System.Text.Json.Serialization;

namespace PostTrain.Api.Model;

/// <summary>The dtype model weights are loaded in.</summary>
public enum ModelDtype
{
    /// <summary>As stored in the checkpoint.</summary>
    [JsonStringEnumMemberName("auto")]
    Auto,

    /// <summary>32-bit floating point.</summary>
    [JsonStringEnumMemberName("float32")]
    Float32,

    /// <summary>bfloat16.</summary>
    [JsonStringEnumMemberName("bfloat16")]
    BFloat16,

    /// <summary>IEEE half precision.</summary>
    [JsonStringEnumMemberName("float16")]
    Float16,
}
