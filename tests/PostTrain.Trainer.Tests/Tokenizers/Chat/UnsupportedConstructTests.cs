using System.Text.Json.Nodes;
using PostTrain.Trainer.Tokenizers.Chat;
using PostTrain.Trainer.Tokenizers.Chat.Jinja;

namespace PostTrain.Trainer.Tests.Tokenizers.Chat;

/// <summary>A template using a construct outside the supported subset fails when it is loaded, naming the construct and its line:column; nothing falls back to a built-in.</summary>
public sealed class UnsupportedConstructTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-jinja-");

    [Theory]
    [InlineData("{% include 'header.jinja' %}{{ messages }}", "include", 1, 4)]
    [InlineData("{% extends 'base.jinja' %}", "extends", 1, 4)]
    [InlineData("{% for m in messages %}\n  {%- import 'macros.jinja' as x -%}\n{% endfor %}", "import", 2, 7)]
    [InlineData("{% for m in messages %}{{ m.content | truncate(10) }}{% endfor %}", "truncate", 1, 39)]
    [InlineData("{{ messages | groupby('role') }}", "groupby", 1, 15)]
    [InlineData("{% if x is divisibleby3 %}{% endif %}", "divisibleby3", 1, 12)]
    [InlineData("line 1\n{{ messages | shout }}", "shout", 2, 15)]
    [InlineData("{% for m in messages recursive %}{{ loop(m.children) }}{% endfor %}", "recursive", 1, 22)]
    [InlineData("{{ f(*args) }}", "*", 1, 6)]
    [InlineData("{{ '\\N{BULLET}' }}", "\\N", 1, 5)]
    public void Parsing_names_the_construct_and_its_position(string source, string construct, int line, int column)
    {
        var e = Should.Throw<JinjaSyntaxException>(() => JinjaTemplate.Parse(source));
        e.Construct.ShouldBe(construct);
        e.Position.ShouldBe(new JinjaSourcePosition(line, column));
        e.Message.ShouldStartWith($"{line}:{column}: ");
        e.Message.ShouldContain(construct);
    }

    [Fact]
    public void A_model_whose_template_cannot_be_parsed_fails_to_load_naming_the_file_construct_and_position()
    {
        File.WriteAllText(Path.Combine(_dir.Path, "tokenizer_config.json"), new JsonObject
        {
            ["eos_token"] = "<|im_end|>",
            ["chat_template"] = "{% for m in messages %}\n{{ m.content | wordwrap(40) }}\n{% endfor %}",
        }.ToJsonString());
        var e = Should.Throw<InvalidDataException>(() => ChatTemplate.FromDirectory(_dir.Path));
        e.Message.ShouldContain("tokenizer_config.json (chat_template)");
        e.Message.ShouldContain("2:16");
        e.Message.ShouldContain("'wordwrap' is not supported");
    }

    [Fact]
    public void A_runtime_failure_names_the_construct_and_its_position()
    {
        var template = JinjaTemplate.Parse("{% for m in messages %}\n{{ m.content + 1 }}{% endfor %}");
        var e = Should.Throw<JinjaRenderException>(() => template.Render(new Dictionary<string, object?>
        {
            ["messages"] = new List<object?> { new Dictionary<string, object?> { ["content"] = "hi" } },
        }));
        e.Position.Line.ShouldBe(2);
        e.Message.ShouldStartWith("2:");
        e.Message.ShouldContain("can only concatenate str (not \"int\") to str");
    }

    public void Dispose() => _dir.Dispose();
}
