using System.Text.Json;
using System.Text.Json.Nodes;

namespace PostTrain.Worker.Tests;

/// <summary><c>posttrain-worker chat-template --config PATH</c>, run as the real executable.</summary>
public sealed class ChatTemplateCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-chat-template-");

    private static string Templates => Path.Combine(TestPaths.SharedTestData, "chat-templates");

    [Theory]
    [InlineData("qwen3", false)]
    [InlineData("llama3_1", false)]
    [InlineData("deepseek_v3", true)]
    [InlineData("gemma3", true)]
    public void Renders_each_reference_conversation_as_one_json_string_per_line(string template, bool directory)
    {
        var cases = File.ReadLines(Path.Combine(Templates, "cases.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(c => c["template"]!.GetValue<string>() == template)
            .ToList();
        var stdin = string.Join("\n", cases.Select(c => new JsonObject
        {
            ["messages"] = c["messages"]!.DeepClone(),
            ["add_generation_prompt"] = c["add_generation_prompt"]!.DeepClone(),
            ["extra"] = c["extra"]!.DeepClone(),
        }.ToJsonString())) + "\n\n";
        var config = directory ? Path.Combine(Templates, template) : Path.Combine(Templates, template, "tokenizer_config.json");

        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, stdin, "chat-template", "--config", config);

        code.ShouldBe(0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(cases.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            JsonSerializer.Deserialize<string>(lines[i]).ShouldBe(cases[i]["rendered"]!.GetValue<string>(), $"line {i + 1}");
        }
    }

    [Fact]
    public void A_line_the_template_refuses_exits_2_naming_the_line()
    {
        var stdin = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n" +
            "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}\n";
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, stdin, "chat-template", "--config", Path.Combine(Templates, "gemma3"));
        code.ShouldBe(2);
        JsonSerializer.Deserialize<string>(stdout.Trim()).ShouldBe("<bos><start_of_turn>user\nhi<end_of_turn>\n");
        stderr.ShouldContain("stdin:2");
        stderr.ShouldContain("Conversation roles must alternate");

        var (badCode, _, badErr) = WorkerProcess.Run(_dir.Path, "{\"messages\": [], \"prompt\": true}\n", "chat-template", "--config", Path.Combine(Templates, "gemma3"));
        badCode.ShouldBe(2);
        badErr.ShouldContain("stdin:1: unknown field 'prompt'");
    }

    [Fact]
    public void A_template_outside_the_supported_subset_exits_2_naming_the_construct_and_position()
    {
        var config = Path.Combine(_dir.Path, "tokenizer_config.json");
        File.WriteAllText(config, new JsonObject { ["chat_template"] = "{% for m in messages %}\n{% include 'turn.jinja' %}\n{% endfor %}" }.ToJsonString());
        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, "{\"messages\": []}\n", "chat-template", "--config", config);
        code.ShouldBe(2);
        stdout.ShouldBeEmpty();
        stderr.ShouldContain("2:4");
        stderr.ShouldContain("'include' statement is not supported");
        stderr.ShouldNotContain("   at ");
    }

    public void Dispose() => _dir.Dispose();
}
