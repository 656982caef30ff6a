using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Tests;

/// <summary><c>spec.chatTemplateKwargs</c>: extra variables for the model's own chat template (Qwen3's real one).</summary>
public sealed class ChatTemplateKwargsTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-kwargs-");

    public ChatTemplateKwargsTests() =>
        File.Copy(Path.Combine(TestPaths.SharedTestData, "chat-templates", "qwen3", "tokenizer_config.json"), Path.Combine(_dir.Path, "tokenizer_config.json"));

    private static List<object?> Question => [new Dictionary<string, object?> { ["role"] = "user", ["content"] = "What is 3 + 5?" }];

    [Fact]
    public void The_kwargs_reach_the_models_own_template()
    {
        var template = ChatTemplate.FromDirectory(_dir.Path).ShouldBeOfType<JinjaChatTemplate>();

        var thinkingOff = ChatTemplateKwargs.Apply(template, new JsonObject { ["enable_thinking"] = false }).ShouldBeOfType<JinjaChatTemplate>();

        thinkingOff.Render(Question, addGenerationPrompt: true).ShouldEndWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
        template.Render(Question, addGenerationPrompt: true).ShouldEndWith("<|im_start|>assistant\n", Case.Sensitive, "without the kwargs Qwen3 thinks");
        ChatTemplateKwargs.Apply(template, null).ShouldBeSameAs(template);
        ChatTemplateKwargs.Apply(template, []).ShouldBeSameAs(template);
    }

    [Fact]
    public void Kwargs_for_a_model_without_a_template_of_its_own_are_an_input_error_naming_the_field()
    {
        var error = Should.Throw<JobInputException>(() => ChatTemplateKwargs.Apply(ChatTemplate.Plain, new JsonObject { ["enable_thinking"] = false }));
        error.Message.ShouldContain("spec.chatTemplateKwargs");
    }

    [Fact]
    public void A_job_whose_model_has_no_template_of_its_own_exits_2_naming_the_field()
    {
        var file = Path.Combine(_dir.Path, "kw.yaml");
        File.WriteAllText(file, Manifests.Sft("kw", 2).Replace("  seed: 3\n", "  seed: 3\n  chatTemplateKwargs: {enable_thinking: false}\n", StringComparison.Ordinal));

        var (code, stdout, stderr) = WorkerProcess.Run(_dir.Path, "", "run", file, "--runs-dir", "out", "--no-server");

        code.ShouldBe(2, stdout + stderr);
        stderr.ShouldContain("spec.chatTemplateKwargs: the built-in chatml template");
    }

    public void Dispose() => _dir.Dispose();
}
