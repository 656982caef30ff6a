using System.Globalization;

namespace PostTrain.EndToEnd.Tests;

/// <summary>Small SftJob manifests for the built-in tiny model (a step takes milliseconds; no GPU asked for).</summary>
internal static class Jobs
{
    /// <summary>An SftJob writing to <c>pvc://CLAIM/NAME</c>, checkpointing every 10 steps; <paramref name="extra"/> is more spec YAML.</summary>
    public static string Sft(string name, string claim, int steps, string extra = "") => $$"""
        apiVersion: posttrain.dev/v1alpha1
        kind: SftJob
        metadata: {name: {{name}}}
        spec:
          seed: 7
          resources: {gpus: 0}
          model: {source: builtin://tiny}
          dataset: {source: "builtin://arithmetic?split=sft&count=64&maxOperand=3&maxValue=9", format: gsm8k}
          output: {uri: pvc://{{claim}}/{{name}}, saveEverySteps: 10, keep: 1}
          training: {maxSteps: {{steps.ToString(CultureInfo.InvariantCulture)}}, batchSize: 4, microBatchSize: 4, learningRate: 3e-3, maxSeqLength: 64, logEverySteps: 10, precision: fp32}
        {{extra}}
        """;
}
