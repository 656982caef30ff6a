using System.Text.Json.Nodes;
using Parquet.Serialization;
using PostTrain.Api.Model;
using PostTrain.Trainer.Sources;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

/// <summary><c>posttrain-worker dataset</c>: the records a job would train on, printed through the job's own loader.</summary>
public sealed class DatasetCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-dataset-");
    private readonly string _pvcRoot;

    public DatasetCommandTests()
    {
        _pvcRoot = Directory.CreateDirectory(Path.Combine(_dir.Path, "pvc")).FullName;
        var shards = Path.Combine(TestPaths.SharedTestData, "datasets", "gsm8k-shaped", "main");
        var target = Directory.CreateDirectory(Path.Combine(_pvcRoot, "data", "gsm8k", "main")).FullName;
        foreach (var file in Directory.GetFiles(shards, "*.parquet"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
    }

    public void Dispose() => _dir.Dispose();

    private (int Code, List<JsonNode> Records, string Stderr) Run(params string[] args)
    {
        var environment = new Dictionary<string, string> { ["POSTTRAIN_PVC_ROOT"] = _pvcRoot, ["POSTTRAIN_CACHE"] = Path.Combine(_dir.Path, "cache") };
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, environment, ["dataset", .. args]);
        return (code, [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)], stderr);
    }

    private async Task<List<string>> InProcessIdsAsync(DatasetSpec spec, long seed)
    {
        using var hub = new HubClient(new HubClientOptions { CacheDirectory = Path.Combine(_dir.Path, "cache") });
        var loading = new SourceLoading(new SourceResolver(new SourceResolverOptions { PvcRoot = _pvcRoot }, hub));
        return [.. (await loading.LoadDatasetAsync(spec, seed, _ => { }, CancellationToken.None)).Select(e => e.Id)];
    }

    [Fact]
    public void The_records_of_a_split_of_parquet_shards_come_out_as_the_trainer_reads_them()
    {
        var twin = File.ReadAllLines(Path.Combine(TestPaths.SharedTestData, "datasets", "gsm8k-shaped", "main", "test-00000-of-00001.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();

        var (code, records, stderr) = Run("--source", "pvc://data/gsm8k", "--format", "gsm8k", "--split", "test");

        code.ShouldBe(0, stderr);
        records.Count.ShouldBe(100);
        records.Select(r => r["question"]!.GetValue<string>()).ShouldBe(twin.Select(t => t["question"]!.GetValue<string>()));
        records.Select(r => r["answer"]!.GetValue<string>()).ShouldBe(twin.Select(t => t["answer"]!.GetValue<string>()));
        records[0]["final_answer"]!.GetValue<string>().ShouldBe(twin[0]["answer"]!.GetValue<string>().Split("####")[1].Trim());
        records[0]["id"]!.GetValue<string>().ShouldBe("test-00000-of-00001.parquet:1");
        records[0]["source"]!.GetValue<string>().ShouldEndWith("main/test-00000-of-00001.parquet:1");
        stderr.ShouldContain("[100 record(s) of pvc://data/gsm8k]");
    }

    [Fact]
    public async Task A_limit_is_the_seeded_max_samples_sample_a_job_would_train_on()
    {
        var (code, records, stderr) = Run("--source", "pvc://data/gsm8k", "--format", "gsm8k", "--limit", "5", "--seed", "7");
        var (_, again, _) = Run("--source", "pvc://data/gsm8k", "--format", "gsm8k", "--limit", "5", "--seed", "7");

        code.ShouldBe(0, stderr);
        var ids = records.Select(r => r["id"]!.GetValue<string>()).ToList();
        ids.ShouldBe(again.Select(r => r["id"]!.GetValue<string>()));
        ids.Count.ShouldBe(5);
        ids.ShouldNotBe(Enumerable.Range(1, 5).Select(i => $"train-00000-of-00002.parquet:{i}"));
        stderr.ShouldContain("a sample of 5 of 500 records (maxSamples: 5, seed 7)");
        ids.ShouldBe(await InProcessIdsAsync(new DatasetSpec { Source = "pvc://data/gsm8k", Format = DatasetFormat.Gsm8k, MaxSamples = 5 }, 7));
    }

    [Fact]
    public async Task A_job_file_gives_its_dataset_fields_and_seed_and_options_override_them()
    {
        var rows = new[] { new Row { Problem = "What is 1 + 1?", Solution = "1 + 1 = 2\n#### 2" }, new Row { Problem = "What is 2 + 3?", Solution = "#### 5" } };
        var claim = Directory.CreateDirectory(Path.Combine(_pvcRoot, "data", "custom")).FullName;
        await using (var stream = File.Create(Path.Combine(claim, "rows.parquet")))
        {
            await ParquetSerializer.SerializeAsync(rows, stream);
        }

        var manifest = Path.Combine(_dir.Path, "job.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: posttrain.dev/v1alpha1
            kind: SftJob
            metadata: {name: custom}
            spec:
              seed: 11
              model: {source: builtin://tiny}
              dataset: {source: pvc://data/custom, format: gsm8k, fields: {prompt: problem, completion: solution}}
            """);

        var (code, records, stderr) = Run("--job", manifest);
        var (limitedCode, limited, _) = Run("--job", manifest, "--limit", "1");

        code.ShouldBe(0, stderr);
        var file = Path.Combine(claim, "rows.parquet").Replace("\\", "\\\\", StringComparison.Ordinal);
        string[] expected =
        [
            $$"""{"id":"rows.parquet:1","source":"{{file}}:1","problem":"What is 1 + 1?","solution":"1 + 1 = 2\n#### 2","final_answer":"2"}""",
            $$"""{"id":"rows.parquet:2","source":"{{file}}:2","problem":"What is 2 + 3?","solution":"#### 5","final_answer":"5"}""",
        ];
        records.Count.ShouldBe(2);
        for (var i = 0; i < 2; i++)
        {
            JsonNode.DeepEquals(records[i], JsonNode.Parse(expected[i])).ShouldBeTrue(records[i].ToJsonString());
        }

        limitedCode.ShouldBe(0);
        var spec = new DatasetSpec { Source = "pvc://data/custom", Format = DatasetFormat.Gsm8k, Fields = new DatasetFields { Prompt = "problem", Completion = "solution" }, MaxSamples = 1 };
        limited.Select(r => r["id"]!.GetValue<string>()).ShouldBe(await InProcessIdsAsync(spec, 11));
    }

    [Fact]
    public async Task A_bad_record_exits_2_naming_the_file_and_line_or_row_and_the_field()
    {
        var bad = Path.Combine(_dir.Path, "bad.jsonl");
        await File.WriteAllTextAsync(bad, "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"q2\"}\n");
        var badParquet = Path.Combine(_dir.Path, "bad.parquet");
        await using (var stream = File.Create(badParquet))
        {
            await ParquetSerializer.SerializeAsync(new[] { new Row { Problem = "p", Solution = "#### 1" }, new Row { Problem = "p2", Solution = "no final" } }, stream);
        }

        var (code, _, stderr) = Run("--source", bad, "--format", "gsm8k");
        var (parquetCode, _, parquetErr) = Run("--source", badParquet, "--format", "gsm8k", "--job", "/no/such/job.yaml");
        var (mappedCode, _, mappedErr) = Run("--source", badParquet, "--format", "parquet");
        var (splitCode, _, splitErr) = Run("--source", "pvc://data/gsm8k", "--format", "parquet", "--split", "validation");
        var (formatCode, _, formatErr) = Run("--source", bad, "--format", "csv");

        (code, parquetCode, mappedCode, splitCode, formatCode).ShouldBe((2, 2, 2, 2, 2));
        stderr.ShouldContain($"InvalidInput: {bad}:2: missing field 'answer'");
        parquetErr.ShouldContain("/no/such/job.yaml");
        mappedErr.ShouldContain($"{badParquet}: none of the columns the Auto format reads");
        mappedErr.ShouldContain("it has [problem, solution]");
        splitErr.ShouldContain("no split 'validation'; splits: [test, train]");
        formatErr.ShouldContain("--format: 'csv' is not one of messages, promptCompletion, gsm8k, mbpp, parquet");

        var (rowCode, _, rowErr) = Run("--job", await WriteJobAsync(badParquet));
        rowCode.ShouldBe(2);
        rowErr.ShouldContain($"{badParquet}: row 2 (row group 1 of 1): field 'solution' has no final answer after '####'");
    }

    [Fact]
    public void The_usage_text_lists_the_dataset_command_and_its_options()
    {
        var (code, stdout, _) = WorkerProcess.Run(_dir.Path, "", "--help");
        code.ShouldBe(0);
        stdout.ShouldContain("dataset ");
        var (datasetCode, datasetHelp, _) = WorkerProcess.Run(_dir.Path, "", "dataset", "--help");
        datasetCode.ShouldBe(0);
        foreach (var option in new[] { "--source <URI>", "--format <F>", "--config <C>", "--split <S>", "--limit <N>", "--seed <S>", "--skip-invalid", "--job <FILE>", "--name <JOB>" })
        {
            datasetHelp.ShouldContain(option);
        }
    }

    private async Task<string> WriteJobAsync(string source)
    {
        var path = Path.Combine(_dir.Path, "bad-job.yaml");
        await File.WriteAllTextAsync(path, $$$"""
            apiVersion: posttrain.dev/v1alpha1
            kind: EvalJob
            metadata: {name: e}
            spec:
              models: [{name: m, source: builtin://tiny}]
              dataset: {source: "{{{source}}}", format: gsm8k, fields: {prompt: problem, completion: solution}}
            """);
        return path;
    }

    public sealed class Row
    {
        [System.Text.Json.Serialization.JsonPropertyName("problem")]
        public string? Problem { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("solution")]
        public string? Solution { get; set; }
    }
}
