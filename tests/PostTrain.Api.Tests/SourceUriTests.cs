using System.Text.RegularExpressions;
using PostTrain.Api.Model;

namespace PostTrain.Api.Tests;

public class SourceUriTests
{
    [Theory]
    [InlineData("hf://Qwen/Qwen2.5-0.5B", SourceKind.HuggingFace, "Qwen/Qwen2.5-0.5B", null, "")]
    [InlineData("hf://gpt2@refs%2Fpr%2F1", SourceKind.HuggingFace, "gpt2", "refs/pr/1", "")]
    [InlineData("hf://openai/gsm8k@v1.0/main/train.jsonl", SourceKind.HuggingFace, "openai/gsm8k", "v1.0", "main/train.jsonl")]
    [InlineData("hf://openai/gsm8k/main", SourceKind.HuggingFace, "openai/gsm8k", null, "main")]
    [InlineData("hf://gpt2@v2/config.json", SourceKind.HuggingFace, "gpt2", "v2", "config.json")]
    [InlineData("pvc://checkpoints/sft/final", SourceKind.Pvc, "checkpoints", null, "sft/final")]
    [InlineData("pvc://data", SourceKind.Pvc, "data", null, "")]
    [InlineData("file:///data/my%20model", SourceKind.File, "", null, "/data/my model")]
    [InlineData("./models/tiny", SourceKind.File, "", null, "./models/tiny")]
    [InlineData("/abs/path", SourceKind.File, "", null, "/abs/path")]
    [InlineData("builtin://tiny", SourceKind.Builtin, "tiny", null, "")]
    public void Parses_every_supported_form(string text, SourceKind kind, string name, string? revision, string path)
    {
        var uri = SourceUri.Parse(text);
        uri.Kind.ShouldBe(kind);
        uri.Name.ShouldBe(name);
        uri.Revision.ShouldBe(revision);
        uri.Path.ShouldBe(path);
        uri.ToString().ShouldBe(text);
        Regex.IsMatch(text, SourceUri.Pattern).ShouldBeTrue();
    }

    [Fact]
    public void Builtin_parameters_are_read()
    {
        var uri = SourceUri.Parse("builtin://arithmetic?digits=3&ops=%2B-");
        uri.Parameters.ShouldBe(new Dictionary<string, string> { ["digits"] = "3", ["ops"] = "+-" });
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("gs://bucket/x", "unsupported scheme 'gs'")]
    [InlineData("hf://", "expected hf://org/name[@revision][/path]")]
    [InlineData("hf://a/b/../c", "must not contain '..'")]
    [InlineData("hf://a/b/", "must be non-empty")]
    [InlineData("hf://a/b@x..y", "revision must not contain '..'")]
    [InlineData("hf://a b/c", "expected hf://org/name[@revision][/path]")]
    [InlineData("hf://org/name@", "empty revision")]
    [InlineData("pvc://Bad_Claim/x", "is not a valid claim name")]
    [InlineData("pvc://claim/../etc", "must not contain '..'")]
    [InlineData("file://relative", "absolute path")]
    [InlineData("builtin://Tiny", "is not a builtin name")]
    [InlineData("builtin://arithmetic?digits", "is not key=value")]
    [InlineData("c:thing", "neither a URI")]
    public void Rejects_malformed_sources_with_the_reason(string text, string reason)
    {
        SourceUri.TryParse(text, out var uri, out var error).ShouldBeFalse();
        uri.ShouldBeNull();
        error.ShouldContain(reason);
        Should.Throw<FormatException>(() => SourceUri.Parse(text)).Message.ShouldBe(error);
    }
}
