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

    /// <summary>
    /// Apache Parquet files, whatever their extension, each record's shape told by its columns: messages, prompt (and
    /// completion), question and answer (gsm8k), or text and test_list (mbpp). Files ending in .parquet are read as parquet
    /// with any format.
    /// </summary>
    [JsonStringEnumMemberName("parquet")]
    Parquet,
}
