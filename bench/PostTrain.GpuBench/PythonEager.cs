using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using PostTrain.Trainer.Models;

namespace PostTrain.GpuBench;

/// <summary>The same SFT steps in PyTorch eager (python/gpu_sft_eager.py), for the C# / PyTorch ratio.</summary>
public static class PythonEager
{
    /// <summary>Runs the script for <paramref name="shape"/>; its JSON answer, or an object with an "error".</summary>
    public static JsonObject Sft(string python, string script, ModelShape shape, string device, bool bf16, int batch, int sequenceLength, int steps, int warmUp, string scratch)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var config = Path.Combine(scratch, $"config-{shape.Name}.json");
        File.WriteAllText(config, ConfigJson(shape.Config).ToJsonString());
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--config", config, "--device", device, "--batch", Text(batch), "--seq", Text(sequenceLength), "--steps", Text(steps), "--warmup", Text(warmUp) })
        {
            start.ArgumentList.Add(a);
        }

        if (bf16)
        {
            start.ArgumentList.Add("--bf16");
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            return new JsonObject { ["error"] = "timed out after 5 minutes" };
        }

        var line = stdout.Result.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        return process.ExitCode == 0 && line is not null
            ? JsonNode.Parse(line)!.AsObject()
            : new JsonObject { ["error"] = $"exit {process.ExitCode}: {stderr.Result.Trim().Split('\n').LastOrDefault()}" };
    }

    /// <summary>The Hugging Face config.json fields the script builds its Llama from.</summary>
    public static JsonObject ConfigJson(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["head_dim"] = config.HeadDim,
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
        };
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
