using System.Text.Json.Serialization;
using Parquet;
using Parquet.Serialization;

namespace PostTrain.Trainer.Tests.Data;

/// <summary>Parquet files written by Parquet.Net's own serializer (nested lists, structs, ints, nulls) for the reader's tests.</summary>
public static class ParquetTestFiles
{
    public static async Task<string> WriteAsync<T>(string path, IReadOnlyList<T> rows, int rowGroupSize)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var stream = File.Create(path);
        await ParquetSerializer.SerializeAsync(rows, stream, new ParquetOptions { RowGroupSize = rowGroupSize });
        return path;
    }

    public sealed class Turn
    {
        [JsonPropertyName("role")]
        public string? Role { get; set; }

        [JsonPropertyName("content")]
        public string? Content { get; set; }
    }

    public sealed class Meta
    {
        [JsonPropertyName("source")]
        public string? Source { get; set; }

        [JsonPropertyName("tags")]
        public List<string>? Tags { get; set; }
    }

    public sealed class ChatRow
    {
        [JsonPropertyName("messages")]
        public List<Turn>? Messages { get; set; }

        [JsonPropertyName("answer")]
        public string? Answer { get; set; }

        [JsonPropertyName("scores")]
        public List<List<int>>? Scores { get; set; }

        [JsonPropertyName("meta")]
        public Meta? Meta { get; set; }

        [JsonPropertyName("weight")]
        public double? Weight { get; set; }
    }

    public sealed class CodeRow
    {
        [JsonPropertyName("task_id")]
        public int TaskId { get; set; }

        [JsonPropertyName("text")]
        public string? Text { get; set; }

        [JsonPropertyName("code")]
        public string? Code { get; set; }

        [JsonPropertyName("test_list")]
        public List<string>? TestList { get; set; }

        [JsonPropertyName("test_setup_code")]
        public string? TestSetupCode { get; set; }
    }

    public sealed class MathRow
    {
        [JsonPropertyName("question")]
        public string? Question { get; set; }

        [JsonPropertyName("answer")]
        public string? Answer { get; set; }

        [JsonPropertyName("extra")]
        public Dictionary<string, string>? Extra { get; set; }
    }

    public sealed class NumberRow
    {
        [JsonPropertyName("question")]
        public long Question { get; set; }

        [JsonPropertyName("answer")]
        public string? Answer { get; set; }
    }

    public sealed class OtherRow
    {
        [JsonPropertyName("foo")]
        public string? Foo { get; set; }

        [JsonPropertyName("bar")]
        public int Bar { get; set; }
    }
}
