using System.Text.Json.Serialization;

namespace PostTrain.Api.Model;

/// <summary>The shape of a dataset's records.</summary>
public enum DatasetFormat
{
    /// <summary>Chat turns: a list of {role, content} messages.</summary>
    [JsonStringEnumMemberName("messages")]
    Messages,

    /// <summary>A prompt string and a completion string.</summary>
    [JsonStringEnumMemberName("promptCompletion")]
    PromptCompletion,

    /// <summary>GSM8K: question, and an answer whose final number follows '####'.</summary>
    [JsonStringEnumMemberName("gsm8k")]
    Gsm8k,

    /// <summary>MBPP: a task text, reference code and a list of assert statements.</summary>
    [JsonStringEnumMemberName("mbpp")]
    Mbpp,
}
