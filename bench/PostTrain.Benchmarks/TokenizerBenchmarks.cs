using System.Text;
using BenchmarkDotNet.Attributes;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;

namespace PostTrain.Benchmarks;

/// <summary>
/// Single-thread speed of the byte-level BPE tokenizers (qwen3, gpt2, builtin arithmetic): loading, encoding 1 MB
/// (10^6 UTF-8 bytes) of <see cref="MixedText"/> document by document with a warm piece cache, and decoding the ids
/// back. Time per operation is time per MB, so MB/s is 1 s divided by it. The test data folder comes from
/// <see cref="MixedText.FindTestData"/>.
/// </summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private string _folder = string.Empty;
    private List<string> _documents = [];
    private ITokenizer _tokenizer = null!;
    private List<int[]> _ids = [];

    /// <summary>The tokenizer.</summary>
    [Params("qwen3", "gpt2", "builtin")]
    public string Tokenizer { get; set; } = "qwen3";

    /// <summary>Loads the tokenizer, makes the text, and encodes it once (the warm cache; the ids to decode).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _folder = MixedText.FindTestData();
        _documents = MixedText.Documents(_folder, 1_000_000);
        _tokenizer = Load();
        _ids = [.. _documents.Select(d => _tokenizer.Encode(d))];
    }

    /// <summary>Loads the tokenizer from its files.</summary>
    [Benchmark]
    public ITokenizer Load() => Tokenizer switch
    {
        "qwen3" => TokenizerLoader.FromFile(Path.Combine(_folder, "qwen3", "tokenizer.json")),
        "gpt2" => TokenizerLoader.FromFile(Path.Combine(_folder, "gpt2")),
        _ => BuiltinTokenizers.Arithmetic,
    };

    /// <summary>Encodes 1 MB of mixed text, one document at a time.</summary>
    [Benchmark]
    public long Encode()
    {
        long tokens = 0;
        foreach (var document in _documents)
        {
            tokens += _tokenizer.Encode(document).Length;
        }

        return tokens;
    }

    /// <summary>Decodes the ids of 1 MB of mixed text.</summary>
    [Benchmark]
    public long Decode()
    {
        long bytes = 0;
        foreach (var ids in _ids)
        {
            bytes += Encoding.UTF8.GetByteCount(_tokenizer.Decode(ids));
        }

        return bytes;
    }
}
