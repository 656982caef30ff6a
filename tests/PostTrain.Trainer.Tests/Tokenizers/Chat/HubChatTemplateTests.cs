using System.Text;
using PostTrain.Api.Model;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Sources;
using PostTrain.Trainer.Tests.Sources;
using PostTrain.Trainer.Tokenizers.Builtin;
using PostTrain.Trainer.Tokenizers.Chat;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>An hf:// model whose chat template lives only in chat_template.jinja (as in newer repositories) gets that template.</summary>
public sealed class HubChatTemplateTests : IAsyncLifetime, IDisposable
{
    private const string Template = "{% for m in messages %}[{{ m.role | upper }}] {{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}[ASSISTANT] {% endif %}";
    private readonly FakeHub _hub = new();
    private readonly TempDirectory _dir = new("posttrain-hub-template-");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_model_files_fetched_from_the_hub_include_chat_template_jinja()
    {
        var files = Path.Combine(_dir.Path, "files");
        BuiltinTokenizers.SaveArithmetic(files);
        _hub.Files["org/model/main/tokenizer.json"] = await File.ReadAllBytesAsync(Path.Combine(files, "tokenizer.json"));
        _hub.Files["org/model/main/tokenizer_config.json"] = Encoding.UTF8.GetBytes("{\"eos_token\": \"<|im_end|>\"}");
        _hub.Files["org/model/main/chat_template.jinja"] = Encoding.UTF8.GetBytes(Template);
        _hub.Files["org/model/main/README.md"] = Encoding.UTF8.GetBytes("# model");
        using var hub = new HubClient(new HubClientOptions { Endpoint = _hub.Endpoint, CacheDirectory = Path.Combine(_dir.Path, "cache") });
        var resolver = new SourceResolver(new SourceResolverOptions { PvcRoot = Path.Combine(_dir.Path, "pvc") }, hub);

        var directory = await resolver.ResolveAsync(SourceUri.Parse("hf://org/model"), HubRepoKind.Model, ModelFiles.Patterns, CancellationToken.None);

        File.Exists(Path.Combine(directory, "README.md")).ShouldBeFalse();
        var template = ChatTemplate.FromDirectory(directory).ShouldBeOfType<JinjaChatTemplate>();
        template.Origin.ShouldBe("chat_template.jinja");
        template.RenderText([ChatMessage.User("2 + 2?")], addGenerationPrompt: true, BuiltinTokenizers.Arithmetic).ShouldBe("[USER] 2 + 2?<|im_end|>\n[ASSISTANT] ");
    }
}
