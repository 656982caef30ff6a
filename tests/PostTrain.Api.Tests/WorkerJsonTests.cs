using System.Text.Json.Nodes;
using PostTrain.Api.Worker;

namespace PostTrain.Api.Tests;

/// <summary>The worker's result and /status documents on the wire.</summary>
public class WorkerJsonTests
{
    [Fact]
    public void A_result_is_written_with_the_contract_field_names_and_without_nulls()
    {
        var result = new WorkerResult
        {
            Kind = "SftJob",
            Name = "sft",
            Phase = WorkerPhases.Succeeded,
            Metrics = new() { ["loss"] = 0.5 },
            Checkpoint = new WorkerCheckpoint { Uri = "pvc://ckpt/sft/checkpoint-000010", Step = 10 },
        };

        var json = JsonNode.Parse(WorkerJson.Serialize(result))!.AsObject();

        json.Select(p => p.Key).ShouldBe(["kind", "name", "phase", "metrics", "checkpoint"]);
        json["checkpoint"]!.ToJsonString().ShouldBe("""{"uri":"pvc://ckpt/sft/checkpoint-000010","step":10}""");
        json["metrics"]!["loss"]!.GetValue<double>().ShouldBe(0.5);
        WorkerJson.Serialize(result, indented: true).ShouldContain("\n  \"kind\": \"SftJob\"");
    }

    [Fact]
    public void A_status_is_written_with_the_contract_field_names()
    {
        var status = new WorkerStatus
        {
            Job = "rl",
            Kind = "RlvrJob",
            Phase = WorkerPhases.Running,
            Progress = new WorkerProgress { Step = 4, TotalSteps = 10, Percent = 40, Eta = "1m0s", LastUpdateTime = new DateTimeOffset(2026, 12, 6, 4, 0, 0, TimeSpan.Zero), Metrics = new() { ["kl"] = 0.01 } },
            Checkpoint = new WorkerCheckpoint { Uri = "pvc://ckpt/rl/checkpoint-000004", Step = 4 },
        };

        var json = JsonNode.Parse(WorkerJson.Serialize(status))!.AsObject();

        json.Select(p => p.Key).ShouldBe(["job", "kind", "phase", "progress", "checkpoint"]);
        json["progress"]!.AsObject().Select(p => p.Key).ShouldBe(["step", "totalSteps", "percent", "eta", "lastUpdateTime", "metrics"]);
        DateTimeOffset.Parse(json["progress"]!["lastUpdateTime"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ShouldBe(status.Progress.LastUpdateTime!.Value);
        JsonNode.Parse(WorkerJson.Serialize(new WorkerStatus { Job = "x" }))!.AsObject().Select(p => p.Key).ShouldBe(["job"]);
    }

    [Fact]
    public void A_result_in_the_form_workers_have_always_written_reads_back()
    {
        // Written by JobOutcome.ToResultJson before the documents had one definition (field order included).
        const string text = """
            {"kind":"EvalJob","name":"ev","phase":"Succeeded","metrics":{"accuracy":0.25},"message":"evaluated 2 models",
             "checkpoint":{"uri":"/mnt/pvc/ckpt/ev/checkpoint-000001","step":1},
             "table":[{"model":"sft","accuracy":0.25,"source":"pvc://ckpt/sft/checkpoint-000003"},{"model":"rlvr","accuracy":0.5}]}
            """;

        var result = WorkerJson.TryReadResult(text).ShouldNotBeNull();

        result.Kind.ShouldBe("EvalJob");
        result.Name.ShouldBe("ev");
        result.Phase.ShouldBe(WorkerPhases.Succeeded);
        result.Metrics.ShouldBe(new Dictionary<string, double> { ["accuracy"] = 0.25 });
        result.Message.ShouldBe("evaluated 2 models");
        result.Checkpoint!.Uri.ShouldBe("/mnt/pvc/ckpt/ev/checkpoint-000001");
        result.Checkpoint.Step.ShouldBe(1);
        result.Table!.Count.ShouldBe(2);
        result.Table[0]["source"]!.GetValue<string>().ShouldBe("pvc://ckpt/sft/checkpoint-000003");
        result.Table[1]["accuracy"]!.GetValue<double>().ShouldBe(0.5);
    }

    [Fact]
    public void Reading_is_lenient_about_case_unknown_members_and_numbers_in_strings()
    {
        var status = WorkerJson.TryReadStatus("""{"Job":"s","phase":"Running","progress":{"step":"7","totalSteps":10,"future":true},"extra":[1]}""").ShouldNotBeNull();
        status.Job.ShouldBe("s");
        status.Progress!.Step.ShouldBe(7);
        status.Progress.TotalSteps.ShouldBe(10);
        status.Checkpoint.ShouldBeNull();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Error: out of memory")]
    [InlineData("[1,2]")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("{\"kind\":")]
    public void Text_that_is_not_a_document_reads_as_null(string? text)
    {
        WorkerJson.TryReadResult(text).ShouldBeNull();
        WorkerJson.TryReadStatus(text).ShouldBeNull();
    }

    [Fact]
    public void A_member_of_the_wrong_type_makes_the_document_unreadable()
    {
        WorkerJson.TryReadResult("""{"phase":"Succeeded","metrics":{"loss":"high"}}""").ShouldBeNull();
        WorkerJson.TryReadStatus("""{"progress":{"step":[]}}""").ShouldBeNull();
    }
}
