using System.Text.Json.Nodes;

namespace PostTrain.Worker.Tests;

public sealed class DebugCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-debug-");

    [Fact]
    public void Tokenize_reproduces_the_reference_ids_of_the_qwen3_tokenizer()
    {
        var tokenizer = Path.Combine(TestPaths.SharedTestData, "tokenizers", "qwen3", "tokenizer.json");
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, "\"Hello world!\"\n\"<|im_start|>user\"\n", "tokenize", "--tokenizer", tokenizer);
        code.ShouldBe(0, stderr);
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(["[9707,1879,0]", "[151644,872]"]);
    }

    [Fact]
    public void Tokenize_names_the_line_that_is_not_a_json_string()
    {
        var (code, _, stderr) = WorkerProcess.Run(_dir.Path, "\"ok\"\nnot json\n", "tokenize", "--tokenizer", "builtin://tokenizers/arithmetic");
        code.ShouldBe(2);
        stderr.ShouldContain("stdin:2");
    }

    [Fact]
    public void Score_prints_one_log_probability_per_token_after_the_first()
    {
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, "{\"text\": \"Tom has 3 apples.\"}\n{\"ids\": [5, 6, 7]}\n", "score", "--model", "builtin://tiny");
        code.ShouldBe(0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        lines.Count.ShouldBe(2);
        lines[1]["ids"]!.AsArray().Count.ShouldBe(3);
        var logProbs = lines[1]["logprobs"]!.AsArray();
        logProbs.Count.ShouldBe(3);
        logProbs[0].ShouldBeNull();
        logProbs.Skip(1).ShouldAllBe(lp => lp!.GetValue<double>() < 0);
    }

    [Fact]
    public void Generate_prints_text_and_unknown_options_are_rejected()
    {
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, "", "generate", "--model", "builtin://tiny", "--prompt", "What is 2 + 2?", "--max-new-tokens", "5");
        code.ShouldBe(0, stderr);
        stderr.ShouldContain("5 tokens");
        stdout.ShouldNotBeEmpty();

        var (badCode, _, badErr) = WorkerProcess.Run(_dir.Path, "", "generate", "--model", "builtin://tiny", "--prompt", "x", "--temprature", "1");
        badCode.ShouldBe(2);
        badErr.ShouldContain("--temprature");
    }

    public void Dispose() => _dir.Dispose();
}
