using System.Diagnostics;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Api.Model;
using PostTrain.Api.Serialization;
using PostTrain.Api.Yaml;
using PostTrain.Trainer.Training;

namespace PostTrain.Worker.Running;

/// <summary>
/// Runs one or more jobs on this machine in dependency order, resolving each <c>fromJob</c> to the checkpoint its
/// dependency just produced. A failed dependency fails its dependents with the reason.
/// </summary>
public sealed class PipelineRunner(JobEnvironment env)
{
    /// <summary>Runs the jobs; returns every outcome in run order.</summary>
    public async Task<IReadOnlyList<JobOutcome>> RunAsync(IReadOnlyList<PostTrainJob> jobs, string source, CancellationToken cancellationToken)
    {
        var ordered = JobDependencyOrder.Sort(jobs, source);
        var outcomes = new List<JobOutcome>();
        var byKey = new Dictionary<string, JobOutcome>(StringComparer.Ordinal);
        foreach (var job in ordered)
        {
            var name = job.Metadata.Name!;
            var failedDependency = job.JobReferences().Select(r => Key(r.Reference.Kind.ToString(), r.Reference.Name))
                .Select(k => byKey.TryGetValue(k, out var o) ? o : null)
                .FirstOrDefault(o => o is not null && !o.Succeeded);
            JobOutcome outcome;
            if (failedDependency is not null)
            {
                outcome = new JobOutcome { Kind = job.Kind, Name = name, Phase = "Failed", Message = $"DependencyFailed: {failedDependency.Kind}/{failedDependency.Name} ended {failedDependency.Phase}" };
                env.Progress.Message($"{job.Kind}/{name}: {outcome.Message}");
            }
            else
            {
                env.Progress.Begin(job.Metadata.Namespace, name, job.Kind, LogEvery(job), path => env.CheckpointUri(job.CommonSpec.Output, path));
                var started = Stopwatch.GetTimestamp();
                try
                {
                    outcome = await RunOneAsync(job, byKey, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested || e is RankPreemptedException)
                {
                    // This process, or another rank of the job (which then cancels the ones waiting on it), was stopped.
                    outcome = new JobOutcome { Kind = job.Kind, Name = name, Phase = "Preempted", Message = "cancelled" };
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Every failure becomes the job's outcome with a one-line message: no stack trace, no exit 134.
                    var invalidInput = JobFailures.IsInvalidInput(e);
                    var message = (invalidInput ? "InvalidInput: " : string.Empty) + JobFailures.Describe(e);
                    outcome = new JobOutcome { Kind = job.Kind, Name = name, Phase = "Failed", Message = message, InvalidInput = invalidInput };
                    env.Progress.Message($"{job.Kind}/{name} failed: {message}");
                    JobFailures.TraceIfAsked(e, Console.Error);
                }

                env.Progress.End(outcome.Phase);
                outcome = outcome with { Duration = Stopwatch.GetElapsedTime(started) };
            }

            outcome = outcome with { Spec = YamlWriter.Write(JobJson.ToNode(job)["spec"]) };

            outcomes.Add(outcome);
            byKey[Key(job.Kind, name)] = outcome;
            if (outcome.Phase == "Preempted")
            {
                break;
            }
        }

        return outcomes;
    }

    private async Task<JobOutcome> RunOneAsync(PostTrainJob job, Dictionary<string, JobOutcome> done, CancellationToken cancellationToken)
    {
        switch (job)
        {
            case SftJob sft:
                Resolve(sft.Spec.Model, done, "spec.model");
                return await SftJobRunner.RunAsync(sft, env, cancellationToken).ConfigureAwait(false);
            case RlvrJob rlvr:
                Resolve(rlvr.Spec.Model, done, "spec.model");
                if (rlvr.Spec.ReferenceModel is { } reference)
                {
                    Resolve(reference, done, "spec.referenceModel");
                }

                return await RlvrJobRunner.RunAsync(rlvr, rlvr.Spec.Model.Source!, env, cancellationToken).ConfigureAwait(false);
            case EvalJob eval:
                var sources = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < eval.Spec.Models.Count; i++)
                {
                    Resolve(eval.Spec.Models[i], done, $"spec.models[{i}]");
                    sources[eval.Spec.Models[i].Name] = eval.Spec.Models[i].Source!;
                }

                return await EvalJobRunner.RunAsync(eval, sources, env, cancellationToken).ConfigureAwait(false);
            default:
                throw new InvalidDataException($"{job.DisplayName}: unsupported kind");
        }
    }

    /// <summary>Replaces a <c>fromJob</c> with the checkpoint that job produced in this run.</summary>
    private static void Resolve(ModelSpec model, Dictionary<string, JobOutcome> done, string path)
    {
        if (model.FromJob is not { } reference)
        {
            if (string.IsNullOrEmpty(model.Source))
            {
                throw new InvalidDataException($"{path}: one of source or fromJob is required");
            }

            return;
        }

        if (!done.TryGetValue(Key(reference.Kind.ToString(), reference.Name), out var outcome) || outcome.CheckpointUri is null)
        {
            throw new InvalidDataException($"{path}.fromJob: {reference} has not produced a checkpoint in this run (add it to the same file, or use its checkpoint path as source)");
        }

        model.Source = outcome.CheckpointUri;
        model.FromJob = null;
    }

    private static int LogEvery(PostTrainJob job) => job switch
    {
        SftJob s => s.Spec.Training.LogEverySteps,
        RlvrJob r => r.Spec.Training.LogEverySteps,
        _ => 1,
    };

    private static string Key(string kind, string name) => kind + "/" + name;
}
