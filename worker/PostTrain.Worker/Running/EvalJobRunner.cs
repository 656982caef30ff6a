using System.Text.Json.Nodes;
using PostTrain.Api.Jobs;
using PostTrain.Trainer.Eval;
using PostTrain.Trainer.Rewards;
using PostTrain.Trainer.Rewards.Sandbox;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Running;

/// <summary>Runs an EvalJob: every listed model on the dataset, greedy accuracy and pass@k, as one table.</summary>
public static class EvalJobRunner
{
    /// <summary>Evaluates each model in turn; <paramref name="sources"/> gives each model's resolved source by name.</summary>
    public static async Task<JobOutcome> RunAsync(EvalJob job, IReadOnlyDictionary<string, string> sources, JobEnvironment env, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(env);
        var spec = job.Spec;
        var examples = await env.Sources.LoadDatasetAsync(spec.Dataset, spec.Seed, env.Progress.Message, cancellationToken).ConfigureAwait(false);
        // Code items are judged by their tests, whether the format says mbpp or the records did (format: parquet).
        var codeItems = spec.Dataset.Format == PostTrain.Api.Model.DatasetFormat.Mbpp
            || (examples.Count > 0 && examples.All(e => e.Format == PostTrain.Trainer.Data.DatasetFormat.Mbpp));
        IRewardFunction judge;
        if (codeItems)
        {
            var code = new CodeRewardOptions { AllOrNothing = true, Sandbox = new PythonSandboxOptions { AllowUnisolated = spec.AllowUnisolatedCode ?? false } };
            var sandbox = CodeSandboxes.Create(code.Sandbox);
            await CodeSandboxes.DescribeAsync([sandbox], env.Progress.Message, cancellationToken).ConfigureAwait(false);
            judge = new CodeReward(code, sandbox);
        }
        else
        {
            judge = new MathReward(AnswerExtractionMode.Strict);
        }

        var passAtK = spec.Metrics.PassAtK;
        var options = new EvalOptions
        {
            MaxNewTokens = spec.MaxNewTokens,
            BatchSize = spec.BatchSize,
            Samples = passAtK?.Samples ?? 0,
            K = passAtK?.K ?? [],
            Temperature = passAtK?.Temperature ?? 1.0,
            Seed = (ulong)spec.Seed,
        };

        var output = env.OutputDirectory(job.Metadata.Name!, spec.Output);
        // With several ranks each generates its share of the batches and every rank gets the whole table.
        var ranks = new DataParallelGroup(env.JoinGroup(), env.Device);
        if (ranks.IsDistributed)
        {
            env.Progress.Message($"EvalJob/{job.Metadata.Name}: rank {ranks.Rank} of {ranks.WorldSize}, batches shared out by rank");
        }

        var table = new List<JsonObject>();
        var metrics = new Dictionary<string, double>();
        for (var i = 0; i < spec.Models.Count; i++)
        {
            var m = spec.Models[i];
            var source = sources[m.Name];
            using var loaded = await env.Sources.LoadModelAsync(source, m.Dtype, (ulong)spec.Seed, cancellationToken, m.Adapter).ConfigureAwait(false);
            var template = ChatTemplateKwargs.Apply(loaded.Template, spec.ChatTemplateKwargs);
            env.Progress.Message($"EvalJob/{job.Metadata.Name}: {m.Name}: chat template: {template.Description}");
            loaded.Model.To(env.Device);
            var evaluator = new ModelEvaluator(loaded.Model, loaded.Tokenizer, template, judge, loaded.PadTokenId, loaded.EosTokenIds) { Ranks = ranks };
            var outcome = await evaluator.EvaluateAsync(examples, options, cancellationToken).ConfigureAwait(false);
            var row = new JsonObject { ["model"] = m.Name, ["source"] = source, ["examples"] = examples.Count, ["accuracy"] = Math.Round(outcome.Accuracy, 4) };
            foreach (var (k, value) in outcome.PassAtK)
            {
                row[$"pass@{k}"] = Math.Round(value, 4);
                metrics[$"{m.Name}.pass@{k}"] = value;
            }

            row["predictions"] = ranks.IsWriter ? EvalPredictions.Write(output, m.Name, outcome.Items) : Path.Combine(env.JobOutputDirectory(job.Metadata.Name!, spec.Output), EvalPredictions.FileName(m.Name)); // rank 0 writes it
            table.Add(row);
            metrics[$"{m.Name}.accuracy"] = outcome.Accuracy;
            if (i == 0)
            {
                metrics["accuracy"] = outcome.Accuracy; // the printer column shows the first model's accuracy
            }

            env.Progress.OnStep(i + 1, spec.Models.Count, new Dictionary<string, double> { ["accuracy"] = outcome.Accuracy });
            env.Progress.Message($"EvalJob/{job.Metadata.Name}: {m.Name} accuracy {outcome.Accuracy:P1} on {examples.Count} examples; first answer: {outcome.Items.FirstOrDefault()?.GreedyAnswer.ReplaceLineEndings(" | ")}");
        }

        return new JobOutcome { Kind = job.Kind, Name = job.Metadata.Name!, Phase = "Succeeded", Metrics = metrics, Table = table };
    }
}
