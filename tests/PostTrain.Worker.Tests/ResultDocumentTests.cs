using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Worker;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Workers;
using PostTrain.Worker.Observability;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

/// <summary>
/// The result document from the worker's writer to the operator's reader: a termination message written by
/// <see cref="ResultWriter"/> and read back from a pod's container status by <see cref="WorkerResults"/>.
/// </summary>
public sealed class ResultDocumentTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-result-");

    private static JobOutcome Outcome(int rows = 2, string? message = "evaluated 2 models", int metrics = 0) => new()
    {
        Kind = "EvalJob",
        Name = "ev",
        Phase = WorkerPhases.Succeeded,
        Message = message,
        Metrics = new Dictionary<string, double>(Enumerable.Range(0, metrics).Select(i => KeyValuePair.Create($"metric_{i:D4}", i / 3.0)))
        {
            ["accuracy"] = 0.1234567891,
            ["diverged"] = double.NaN,
            ["worst"] = double.NegativeInfinity,
        },
        CheckpointUri = "pvc://ckpt/ev/checkpoint-000007",
        CheckpointStep = 7,
        Table = [.. Enumerable.Range(0, rows).Select(i => new JsonObject
        {
            ["model"] = $"model-{i}",
            ["accuracy"] = i / 4.0,
            ["source"] = $"pvc://ckpt/m{i}/checkpoint-000003",
            ["pass@k"] = new JsonObject { ["1"] = 0.5, ["8"] = 0.75 },
        })],
    };

    private WorkerResult? ReadAsTheOperatorDoes(JobOutcome outcome)
    {
        var path = Path.Combine(_dir.Path, "termination-log");
        ResultWriter.WriteTerminationMessage(outcome, path);
        var message = File.ReadAllText(path);
        Encoding.UTF8.GetByteCount(message).ShouldBeLessThanOrEqualTo(ResultWriter.TerminationMessageLimit);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "ev-eval-abcde" },
            Status = new V1PodStatus
            {
                Phase = "Succeeded",
                ContainerStatuses =
                [
                    new V1ContainerStatus { Name = ChildNames.WorkerContainer, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Message = message } } },
                ],
            },
        };
        return WorkerResults.FromPod(pod);
    }

    [Fact]
    public void A_result_written_by_the_worker_reads_back_in_the_operator_with_the_same_values()
    {
        var outcome = Outcome();

        var result = ReadAsTheOperatorDoes(outcome).ShouldNotBeNull();

        result.Kind.ShouldBe("EvalJob");
        result.Name.ShouldBe("ev");
        result.Phase.ShouldBe(WorkerPhases.Succeeded);
        result.Message.ShouldBe("evaluated 2 models");
        result.Metrics.ShouldBe(new Dictionary<string, double> { ["accuracy"] = 0.123457 }, "finite metrics, rounded to 6 decimals");
        result.Checkpoint!.Uri.ShouldBe("pvc://ckpt/ev/checkpoint-000007");
        result.Checkpoint.Step.ShouldBe(7);
        result.Table!.Count.ShouldBe(2);
        for (var i = 0; i < 2; i++)
        {
            JsonNode.DeepEquals(result.Table[i], outcome.Table[i]).ShouldBeTrue($"{result.Table[i].ToJsonString()} vs {outcome.Table[i].ToJsonString()}");
        }

        // result.json carries the same document, indented.
        ResultWriter.WriteToDirectory(outcome, _dir.Path);
        var file = File.ReadAllText(Path.Combine(_dir.Path, "result.json"));
        file.ShouldContain("\n  \"kind\": \"EvalJob\"");
        var fromFile = WorkerJson.TryReadResult(file).ShouldNotBeNull();
        WorkerJson.Serialize(fromFile).ShouldBe(WorkerJson.Serialize(result));
    }

    [Fact]
    public void A_failure_without_checkpoint_or_metrics_reads_back_as_such()
    {
        var result = ReadAsTheOperatorDoes(new JobOutcome { Kind = "SftJob", Name = "s", Phase = WorkerPhases.Failed, Message = "spec.dataset: column 'messages' not found" }).ShouldNotBeNull();

        result.Phase.ShouldBe(WorkerPhases.Failed);
        result.Message.ShouldBe("spec.dataset: column 'messages' not found");
        result.Checkpoint.ShouldBeNull();
        result.Table.ShouldBeNull();
        result.Metrics.ShouldBeEmpty();
    }

    [Fact]
    public void A_big_table_is_dropped_to_stay_within_4096_bytes()
    {
        var outcome = Outcome(rows: 200);
        Encoding.UTF8.GetByteCount(WorkerJson.Serialize(outcome.ToResult())).ShouldBeGreaterThan(ResultWriter.TerminationMessageLimit);

        var result = ReadAsTheOperatorDoes(outcome).ShouldNotBeNull();

        result.Table.ShouldBeNull();
        result.Metrics!["accuracy"].ShouldBe(0.123457);
        result.Message.ShouldBe("evaluated 2 models");
        result.Checkpoint!.Uri.ShouldBe("pvc://ckpt/ev/checkpoint-000007");
    }

    [Fact]
    public void A_long_message_is_cut_before_the_metrics_go()
    {
        var message = string.Concat(Enumerable.Repeat("Traceback: Ünïcode ✓ and \"quotes\" \\ ", 400));
        var result = ReadAsTheOperatorDoes(Outcome(rows: 50, message: message)).ShouldNotBeNull();

        result.Table.ShouldBeNull();
        result.Metrics!["accuracy"].ShouldBe(0.123457);
        result.Message!.Length.ShouldBeGreaterThan(200);
        result.Message.ShouldEndWith("...");
        message.ShouldStartWith(result.Message[..^3]);
        result.Checkpoint!.Step.ShouldBe(7);
    }

    [Fact]
    public void When_even_the_metrics_do_not_fit_kind_name_phase_and_checkpoint_stay()
    {
        var result = ReadAsTheOperatorDoes(Outcome(rows: 10, message: new string('x', 10_000), metrics: 400)).ShouldNotBeNull();

        result.Kind.ShouldBe("EvalJob");
        result.Name.ShouldBe("ev");
        result.Phase.ShouldBe(WorkerPhases.Succeeded);
        result.Metrics.ShouldBeNull();
        result.Message!.ShouldStartWith("xxxx");
        result.Checkpoint!.Uri.ShouldBe("pvc://ckpt/ev/checkpoint-000007");
    }

    public void Dispose() => _dir.Dispose();
}
