using PostTrain.Api.Model;
using PostTrain.Api.Worker;
using PostTrain.Trainer.Sources;
using PostTrain.Worker.Observability;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

/// <summary>The worker reports checkpoints in the URI form of the job's output, never as a path inside its pod.</summary>
public sealed class CheckpointReportingTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-report-");
    private readonly WorkerMetrics _metrics = new();
    private readonly HubClient _hub = new(new HubClientOptions());

    private string PvcRoot => Path.Combine(_dir.Path, "pvc");

    private JobEnvironment Environment(JobProgress? progress = null) =>
        new(new SourceLoading(new SourceResolver(new SourceResolverOptions { PvcRoot = PvcRoot }, _hub)), progress ?? new JobProgress(_metrics, TextWriter.Null, interactive: false), Path.Combine(_dir.Path, "runs"), PvcRoot);

    [Fact]
    public void A_pvc_output_reports_its_checkpoints_as_pvc_uris_of_the_same_place()
    {
        using var env = Environment();
        var output = new OutputSpec { Uri = "pvc://ckpt/run" };
        var directory = env.JobOutputDirectory("j", output);
        directory.ShouldBe(Path.Combine(PvcRoot, "ckpt", "run"));

        env.CheckpointUri(output, Path.Combine(directory, "checkpoint-000003")).ShouldBe("pvc://ckpt/run/checkpoint-000003");
        env.CheckpointUri(new OutputSpec { Uri = "pvc://my.claim" }, Path.Combine(PvcRoot, "my.claim", "checkpoint-000001")).ShouldBe("pvc://my.claim/checkpoint-000001");
        env.CheckpointUri(new OutputSpec { Uri = "pvc://ckpt/a/b/" }, Path.Combine(PvcRoot, "ckpt", "a", "b", "checkpoint-000010") + "/").ShouldBe("pvc://ckpt/a/b/checkpoint-000010");

        // Resolving the reported URI leads back to the directory that was written.
        var resolver = new SourceResolver(new SourceResolverOptions { PvcRoot = PvcRoot }, _hub);
        resolver.LocalPath(SourceUri.Parse("pvc://ckpt/run/checkpoint-000003")).ShouldBe(Path.Combine(directory, "checkpoint-000003"));
    }

    [Fact]
    public void File_plain_and_unset_outputs_keep_reporting_in_their_own_form()
    {
        using var env = Environment();
        var local = Path.Combine(_dir.Path, "out dir", "checkpoint-000002");

        env.CheckpointUri(new OutputSpec { Uri = "file://" + Path.Combine(_dir.Path, "out dir") }, local).ShouldBe("file://" + Path.Combine(_dir.Path, "out%20dir", "checkpoint-000002"));
        Api.Model.SourceUri.Parse(env.CheckpointUri(new OutputSpec { Uri = "file://" + Path.Combine(_dir.Path, "out dir") }, local)).Path.ShouldBe(local);
        env.CheckpointUri(new OutputSpec { Uri = Path.Combine(_dir.Path, "out dir") }, local).ShouldBe(local);
        env.CheckpointUri(new OutputSpec(), Path.Combine(env.JobOutputDirectory("j", new OutputSpec()), "checkpoint-000002")).ShouldBe(Path.Combine(_dir.Path, "runs", "j", "checkpoint-000002"));
    }

    [Fact]
    public void Status_reports_the_saved_checkpoint_as_the_job_reports_it()
    {
        var progress = new JobProgress(_metrics, TextWriter.Null, interactive: false);
        using var env = Environment(progress);
        var output = new OutputSpec { Uri = "pvc://ckpt/run" };
        progress.Begin(null, "s", "SftJob", 1, path => env.CheckpointUri(output, path));
        progress.OnStep(2, 10, new Dictionary<string, double> { ["loss"] = 1.5, ["nan"] = double.NaN });
        progress.OnCheckpoint(2, Path.Combine(PvcRoot, "ckpt", "run", "checkpoint-000002"));

        var status = WorkerJson.TryReadStatus(progress.StatusJson()).ShouldNotBeNull();

        status.Job.ShouldBe("s");
        status.Kind.ShouldBe("SftJob");
        status.Phase.ShouldBe(WorkerPhases.Running);
        status.Checkpoint!.Uri.ShouldBe("pvc://ckpt/run/checkpoint-000002");
        status.Checkpoint.Step.ShouldBe(2);
        status.Progress!.Step.ShouldBe(2);
        status.Progress.TotalSteps.ShouldBe(10);
        status.Progress.Percent.ShouldBe(20);
        status.Progress.Metrics.ShouldBe(new Dictionary<string, double> { ["loss"] = 1.5 });

        // A new job starts without the previous job's checkpoint.
        progress.Begin(null, "e", "EvalJob", 1);
        WorkerJson.TryReadStatus(progress.StatusJson())!.Checkpoint.ShouldBeNull();
    }

    public void Dispose()
    {
        _hub.Dispose();
        _metrics.Dispose();
        _dir.Dispose();
    }
}
