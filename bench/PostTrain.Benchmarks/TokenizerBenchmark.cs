using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using PostTrain.Trainer.Tokenizers;
using PostTrain.Trainer.Tokenizers.Builtin;

namespace PostTrain.Benchmarks;

/// <summary>
/// Single-thread encoding speed of the byte-level BPE tokenizers (qwen3, gpt2, builtin arithmetic) on ~10 MB of
/// deterministic mixed text: the vectors.jsonl strings, generated English prose, source code and CJK text, cut
/// into documents of 1–4 KB that are encoded one by one. Reports MB/s (10^6 UTF-8 bytes per second) for a first
/// pass over a fresh tokenizer (cold piece cache) and a second pass (warm), and decode speed.
/// Usage: tokenizers [megabytes=10] [testdata-folder]
/// </summary>
public sealed class TokenizerBenchmark : IBenchmark
{
    private static readonly string[] EnglishWords = (
        "the of and to in is that it for was on are as with his they at be this have from or one had by word but not what all " +
        "were we when your can said there use an each which she do how their if will up other about out many then them these so " +
        "some her would make like him into time has look two more write go see number no way could people my than first water " +
        "been call who oil its now find long down day did get come made may part training model reward gradient token batch " +
        "learning rate checkpoint Kubernetes operator cluster apples dollars students answer total remaining altogether").Split(' ');

    private static readonly string[] CodeLines =
    [
        "public static int Add(int a, int b) => a + b;",
        "for (var i = 0; i < items.Count; i++) { total += items[i].Price * 3; }",
        "if (response.StatusCode == HttpStatusCode.NotFound) return null;",
        "def forward(self, x):\n        return self.proj(torch.relu(self.fc(x)))",
        "const result = await fetch(`/api/v1/jobs/${name}`, { method: 'GET' });",
        "SELECT id, name FROM jobs WHERE phase = 'Running' ORDER BY created_at DESC LIMIT 10;",
        "    assert loss.item() < 1e-3, f\"loss {loss.item():.4f} too high\"",
        "kubectl get posttrain -n default -o jsonpath='{.items[*].status.phase}'",
    ];

    public string Name => "tokenizers";

    public string Description => "byte-level BPE encode/decode MB/s on ~10 MB of mixed text, one thread (qwen3, gpt2, builtin)";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var megabytes = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var folder = args.Length > 1 ? args[1] : FindTestData();
        var documents = MixedText(folder, (int)(megabytes * 1_000_000));
        var totalBytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
        var warmup = MixedText(folder, 1_000_000, seed: 7);
        Console.WriteLine($"text: {documents.Count} documents, {totalBytes / 1e6:F2} MB UTF-8, {documents.Sum(d => d.Length) / 1e6:F2} M chars; one thread; {Environment.ProcessorCount} cores visible");
        Console.WriteLine("MB/s = 10^6 UTF-8 bytes per second of wall time; (cpu) = per second of process CPU time, which is what one core delivers when the machine is shared");
        Console.WriteLine($"{"tokenizer",-10} {"load s",7} {"cold MB/s",10} {"(cpu)",7} {"warm MB/s",10} {"(cpu)",7} {"tokens",10} {"bytes/tok",9} {"decode MB/s",12}");
        var cases = new (string Name, Func<ByteLevelBpeTokenizer> Load)[]
        {
            ("qwen3", () => TokenizerLoader.FromFile(Path.Combine(folder, "qwen3", "tokenizer.json"))),
            ("gpt2", () => TokenizerLoader.FromFile(Path.Combine(folder, "gpt2"))),
            ("builtin", () => BuiltinTokenizers.Arithmetic),
        };
        foreach (var (name, load) in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var loadWatch = Stopwatch.StartNew();
            var tokenizer = load();
            var loadSeconds = loadWatch.Elapsed.TotalSeconds;

            // Warm the JIT up (tier-1 code) on other text, then measure a fresh instance, so the first measured
            // pass runs optimised code but starts with an empty piece cache.
            for (var round = 0; round < 3; round++)
            {
                EncodeAll(tokenizer, warmup);
            }

            Thread.Sleep(500);
            tokenizer = load();
            var (coldSeconds, coldCpu, tokens, lastIds) = EncodeAll(tokenizer, documents);
            var (warmSeconds, warmCpu, _, _) = EncodeAll(tokenizer, documents);
            var decodeWatch = Stopwatch.StartNew();
            long decodedBytes = 0;
            foreach (var ids in lastIds)
            {
                decodedBytes += Encoding.UTF8.GetByteCount(tokenizer.Decode(ids));
            }

            var decodeSeconds = decodeWatch.Elapsed.TotalSeconds;
            var sampleBytes = lastIds.Count == 0 ? 0 : decodedBytes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-10} {loadSeconds,7:F2} {totalBytes / 1e6 / coldSeconds,10:F1} {totalBytes / 1e6 / coldCpu,7:F1} {totalBytes / 1e6 / warmSeconds,10:F1} {totalBytes / 1e6 / warmCpu,7:F1} {tokens,10} {(double)totalBytes / tokens,9:F2} {sampleBytes / 1e6 / decodeSeconds,12:F1}"));
        }

        return Task.FromResult(0);
    }

    private static (double Seconds, double CpuSeconds, long Tokens, List<int[]> Sample) EncodeAll(ITokenizer tokenizer, List<string> documents)
    {
        var sample = new List<int[]>();
        long tokens = 0;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < documents.Count; i++)
        {
            var ids = tokenizer.Encode(documents[i]);
            tokens += ids.Length;
            if (i % 4 == 0)
            {
                sample.Add(ids);
            }
        }

        var seconds = watch.Elapsed.TotalSeconds;
        process.Refresh();
        return (seconds, (process.TotalProcessorTime - cpuBefore).TotalSeconds, tokens, sample);
    }

    /// <summary>Deterministic mixed text of about <paramref name="targetBytes"/> UTF-8 bytes, as documents.</summary>
    internal static List<string> MixedText(string folder, int targetBytes, int seed = 20261122)
    {
        var vectors = File.ReadLines(Path.Combine(folder, "vectors.jsonl"))
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("text").GetString()!)
            .Where(t => t.Length > 0)
            .ToArray();
        var random = new Random(seed);
        var documents = new List<string>();
        var total = 0;
        var sb = new StringBuilder();
        while (total < targetBytes)
        {
            sb.Clear();
            var size = random.Next(1000, 4000);
            var kind = random.Next(100);
            while (sb.Length < size)
            {
                if (kind < 40)
                {
                    English(sb, random);
                }
                else if (kind < 60)
                {
                    sb.Append(CodeLines[random.Next(CodeLines.Length)].Replace("3", random.Next(1000).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).Append('\n');
                }
                else if (kind < 75)
                {
                    Cjk(sb, random);
                }
                else
                {
                    sb.Append(vectors[random.Next(vectors.Length)]).Append(random.Next(3) == 0 ? "\n" : " ");
                }
            }

            var document = sb.ToString();
            documents.Add(document);
            total += Encoding.UTF8.GetByteCount(document);
        }

        return documents;
    }

    private static void English(StringBuilder sb, Random random)
    {
        var words = random.Next(6, 20);
        for (var i = 0; i < words; i++)
        {
            var word = EnglishWords[random.Next(EnglishWords.Length)];
            sb.Append(i == 0 ? char.ToUpperInvariant(word[0]) + word[1..] : word);
            if (random.Next(12) == 0)
            {
                sb.Append(' ').Append(random.Next(100000).ToString(CultureInfo.InvariantCulture));
            }

            sb.Append(i + 1 < words ? (random.Next(10) == 0 ? ", " : " ") : ". ");
        }

        if (random.Next(5) == 0)
        {
            sb.Append("\n\n");
        }
    }

    private static void Cjk(StringBuilder sb, Random random)
    {
        var length = random.Next(10, 40);
        for (var i = 0; i < length; i++)
        {
            var pick = random.Next(10);
            sb.Append(pick < 6 ? (char)random.Next(0x4E00, 0x4E00 + 3000) : pick < 9 ? (char)random.Next(0x3041, 0x3097) : '、');
        }

        sb.Append(random.Next(2) == 0 ? "。" : "。\n");
    }

    private static string FindTestData()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Operator.sln")))
                {
                    return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "testdata", "tokenizers"));
                }
            }
        }

        throw new DirectoryNotFoundException("Operator.sln not found above the working directory; pass the tokenizers test-data folder as the second argument");
    }
}
