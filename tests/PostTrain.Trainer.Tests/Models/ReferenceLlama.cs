using System.Diagnostics;
using System.Text.Json;
using PostTrain.Torch;
using PostTrain.Torch.Serialization;

namespace PostTrain.Trainer.Tests.Models;

/// <summary>Runs reference_llama.py, the independent python3-torch forward pass (float64), on a saved checkpoint.</summary>
internal static class ReferenceLlama
{
    private const string Python = "/usr/bin/python3";

    /// <summary>The reference logits of each row ("row{i}", [1, len, vocab]) and, for rows of one length, of the batch ("logits").</summary>
    public static Dictionary<string, Tensor> Logits(string checkpoint, IReadOnlyList<long[]> rows, string workDirectory)
    {
        File.Exists(Python).ShouldBeTrue($"{Python} (python3-torch) is the oracle for this test; run `make deps`");
        var stem = Path.Combine(workDirectory, Path.GetFileName(checkpoint) + "-" + Guid.NewGuid().ToString("N")[..8]);
        var ids = stem + "-ids.json";
        var output = stem + "-logits.safetensors";
        File.WriteAllText(ids, JsonSerializer.Serialize(rows));
        var script = Path.Combine(TestPaths.RepoRoot, "tests", "PostTrain.Trainer.Tests", "Models", "reference_llama.py");
        var start = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { script, checkpoint, ids, output })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(120_000).ShouldBeTrue("reference_llama.py timed out");
        process.ExitCode.ShouldBe(0, stderr.Result);
        return SafeTensors.Load(output);
    }
}
