using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PostTrain.Trainer.Generation;
using PostTrain.Trainer.Models;

namespace PostTrain.Benchmarks;

/// <summary>One generation workload: the prompts and how to decode them.</summary>
/// <param name="Label">What the table row says.</param>
/// <param name="Prompts">Token ids per sequence (left-padded to the longest by both sides).</param>
/// <param name="Options">Sampling, length and EOS ids; the same values go to Python.</param>
internal sealed record GenerationCase(string Label, IReadOnlyList<IReadOnlyList<int>> Prompts, SamplingOptions Options);

/// <summary>Throughput of both sides for one case, over interleaved rounds.</summary>
/// <param name="Case">The workload.</param>
/// <param name="CSharpTokensPerSecond">Median over rounds of generated tokens / wall seconds of <see cref="TextGenerator.Generate"/>.</param>
/// <param name="PythonTokensPerSecond">The same for the Python loop.</param>
/// <param name="CSharpTokens">Tokens C# generated in one round (all rows).</param>
/// <param name="PythonTokens">Tokens Python generated in one round.</param>
/// <param name="IdenticalRows">Rows whose generated tokens are identical on both sides (meaningful for greedy decoding).</param>
/// <param name="MaxLogProbDifference">Largest |log p| difference over identical rows' tokens.</param>
internal sealed record GenerationComparisonResult(GenerationCase Case, double CSharpTokensPerSecond, double PythonTokensPerSecond, long CSharpTokens, long PythonTokens, int IdenticalRows, double MaxLogProbDifference);

/// <summary>Runs a <see cref="GenerationCase"/> on C#'s <see cref="TextGenerator"/> and on llama_bench.py, alternating rounds.</summary>
internal static class GenerationComparison
{
    public static async Task<GenerationComparisonResult> CompareAsync(CausalLanguageModel model, int padTokenId, Func<IReadOnlyList<int>, string>? decode, PythonLlamaWorker python, GenerationCase workload, int rounds, CancellationToken ct)
    {
        var generator = new TextGenerator(model, padTokenId, decode);
        var warmUp = workload with { Options = workload.Options with { MaxNewTokens = 2 } }; // JIT, allocator
        _ = RunCSharp(generator, warmUp);
        _ = await RunPythonAsync(python, padTokenId, warmUp, ct);
        var cs = new List<double>();
        var py = new List<double>();
        IReadOnlyList<GenerationResult>? csResults = null;
        (int[][] Tokens, double[][] LogProbs)? pyResults = null;
        for (var r = 0; r < rounds; r++)
        {
            ct.ThrowIfCancellationRequested();
            var (csSeconds, results) = RunCSharp(generator, workload);
            var (pySeconds, tokens, logProbs) = await RunPythonAsync(python, padTokenId, workload, ct);
            csResults = results;
            pyResults = (tokens, logProbs);
            cs.Add(results.Sum(x => (long)x.Tokens.Length) / csSeconds);
            py.Add(tokens.Sum(x => (long)x.Length) / pySeconds);
        }

        var identical = 0;
        var maxDifference = 0.0;
        for (var i = 0; i < csResults!.Count; i++)
        {
            if (csResults[i].Tokens.SequenceEqual(pyResults!.Value.Tokens[i]))
            {
                identical++;
                for (var t = 0; t < csResults[i].LogProbs.Length; t++)
                {
                    maxDifference = Math.Max(maxDifference, Math.Abs(csResults[i].LogProbs[t] - pyResults.Value.LogProbs[i][t]));
                }
            }
        }

        return new GenerationComparisonResult(workload, BenchPaths.Median(cs), BenchPaths.Median(py), csResults.Sum(x => (long)x.Tokens.Length), pyResults!.Value.Tokens.Sum(x => (long)x.Length), identical, maxDifference);
    }

    public static void PrintHeader()
    {
        Console.WriteLine("| workload | C# tokens/s | Python tokens/s | C# / Python | tokens per round (C# / Py) | identical rows |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
    }

    public static void Print(GenerationComparisonResult r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Case.Label} | {r.CSharpTokensPerSecond:F1} | {r.PythonTokensPerSecond:F1} | {r.CSharpTokensPerSecond / r.PythonTokensPerSecond:F2} | {r.CSharpTokens} / {r.PythonTokens} | {r.IdenticalRows}/{r.Case.Prompts.Count} (max Δlogp {r.MaxLogProbDifference:E1}) |"));

    private static (double Seconds, IReadOnlyList<GenerationResult> Results) RunCSharp(TextGenerator generator, GenerationCase workload)
    {
        var clock = Stopwatch.StartNew();
        var results = generator.Generate(workload.Prompts, workload.Options);
        return (clock.Elapsed.TotalSeconds, results);
    }

    private static async Task<(double Seconds, int[][] Tokens, double[][] LogProbs)> RunPythonAsync(PythonLlamaWorker python, int padTokenId, GenerationCase workload, CancellationToken ct)
    {
        var o = workload.Options;
        var command = new JsonObject
        {
            ["cmd"] = "generate",
            ["prompts"] = new JsonArray([.. workload.Prompts.Select(p => (JsonNode)new JsonArray([.. p.Select(id => (JsonNode)id)]))]),
            ["max_new_tokens"] = o.MaxNewTokens,
            ["temperature"] = o.Temperature,
            ["top_k"] = o.TopK,
            ["eos"] = new JsonArray([.. o.EosTokenIds.Select(id => (JsonNode)id)]),
            ["pad"] = padTokenId,
            ["seed"] = o.Seed,
        };
        var reply = await python.SendAsync(command, ct);
        var tokens = reply.GetProperty("tokens").EnumerateArray().Select(row => row.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();
        var logProbs = reply.GetProperty("logprobs").EnumerateArray().Select(row => row.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();
        return (reply.GetProperty("seconds").GetDouble(), tokens, logProbs);
    }
}
