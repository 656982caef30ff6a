namespace PostTrain.Worker.Tests;

/// <summary>Small manifests that train in seconds on the built-in tiny model.</summary>
internal static class Manifests
{
    public static string Sft(string name, int steps, int saveEvery = 100) => $$"""
        apiVersion: posttrain.dev/v1alpha1
        kind: SftJob
        metadata: {name: {{name}}}
        spec:
          seed: 3
          model: {source: builtin://tiny}
          dataset: {source: "builtin://arithmetic?split=sft&count=40", format: gsm8k}
          output: {saveEverySteps: {{saveEvery}}, keep: 2}
          training: {maxSteps: {{steps}}, batchSize: 8, microBatchSize: 8, learningRate: 3e-3, maxSeqLength: 96, logEverySteps: 1, precision: fp32}
        """;

    public static string Rlvr(string name, string from, int steps) => $$"""
        apiVersion: posttrain.dev/v1alpha1
        kind: RlvrJob
        metadata: {name: {{name}}}
        spec:
          seed: 3
          model:
            fromJob: {kind: SftJob, name: {{from}}}
          dataset: {source: "builtin://arithmetic?split=rl&count=40", format: gsm8k}
          rollout: {groupSize: 4, promptsPerStep: 2, maxNewTokens: 12}
          algorithm:
            kl: {coef: 0.01}
          reward: [{type: math, mode: strict}, {type: regex, pattern: '####', weight: 0.1}]
          training: {steps: {{steps}}, learningRate: 1e-3, precision: fp32}
        """;

    public static string Eval(string name, string sft, string rlvr) => $$"""
        apiVersion: posttrain.dev/v1alpha1
        kind: EvalJob
        metadata: {name: {{name}}}
        spec:
          models:
          - name: sft
            fromJob: {kind: SftJob, name: {{sft}} }
          - name: rlvr
            fromJob: {kind: RlvrJob, name: {{rlvr}} }
          dataset: {source: "builtin://arithmetic?split=test&count=6", format: gsm8k}
          metrics: {accuracy: true, passAtK: {k: [1, 2], samples: 2, temperature: 1.0} }
          maxNewTokens: 12
        """;
}
