using System.Text.Json;
using PostTrain.Trainer.Tokenizers;

namespace PostTrain.Trainer.Tests.Tokenizers;

/// <summary>The shared tokenizer test data, loaded once per test run.</summary>
internal static class TokenizerTestData
{
    private static readonly Lazy<ByteLevelBpeTokenizer> LazyQwen3 = new(() => TokenizerLoader.FromFile(Path.Combine(Folder, "qwen3", "tokenizer.json")));
    private static readonly Lazy<ByteLevelBpeTokenizer> LazyGpt2 = new(() => TokenizerLoader.FromFile(Path.Combine(Folder, "gpt2")));
    private static readonly Lazy<IReadOnlyList<Vector>> LazyVectors = new(ReadVectors);

    public static string Folder => Path.Combine(TestPaths.SharedTestData, "tokenizers");

    public static ByteLevelBpeTokenizer Qwen3 => LazyQwen3.Value;

    public static ByteLevelBpeTokenizer Gpt2 => LazyGpt2.Value;

    public static IReadOnlyList<Vector> Vectors => LazyVectors.Value;

    public sealed record Vector(int Line, string Text, int[] Qwen3, int[] Gpt2);

    private static List<Vector> ReadVectors()
    {
        var result = new List<Vector>();
        var line = 0;
        foreach (var text in File.ReadLines(Path.Combine(Folder, "vectors.jsonl")))
        {
            line++;
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            result.Add(new Vector(
                line,
                root.GetProperty("text").GetString()!,
                root.GetProperty("qwen3").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                root.GetProperty("gpt2").EnumerateArray().Select(x => x.GetInt32()).ToArray()));
        }

        return result;
    }
}
