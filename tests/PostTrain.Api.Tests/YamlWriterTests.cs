using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using PostTrain.Api.Yaml;

namespace PostTrain.Api.Tests;

public class YamlWriterTests
{
    [Fact]
    public void Writes_block_style_with_lists_at_the_key_indent()
    {
        var node = JsonNode.Parse("""{"a":{"b":[{"c":1,"d":"x"},"y",[]],"e":{}},"f":true,"g":null,"h":1.5}""");
        YamlWriter.Write(node, "header").ShouldBe("""
            # header
            a:
              b:
              - c: 1
                d: x
              - "y"
              - []
              e: {}
            f: true
            g: null
            h: 1.5

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2e-5, "2.0e-05")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(0.25, "0.25")]
    public void Floats_are_written_so_YAML_1_1_readers_see_floats(double value, string expected) =>
        YamlWriter.Scalar(JsonValue.Create(value)).ShouldBe(expected);

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("nvidia.com/gpu", "nvidia.com/gpu")]
    [InlineData("true", "\"true\"")]
    [InlineData("No", "\"No\"")]
    [InlineData("123", "\"123\"")]
    [InlineData("1e-5", "\"1e-5\"")]
    [InlineData(".status.phase", "\".status.phase\"")]
    [InlineData("a: b", "\"a: b\"")]
    [InlineData("a #b", "\"a #b\"")]
    [InlineData("line\nbreak", "\"line\\nbreak\"")]
    [InlineData("", "\"\"")]
    [InlineData("- x", "\"- x\"")]
    public void Quotes_strings_only_when_plain_would_change_their_meaning(string text, string expected) =>
        YamlWriter.Scalar(JsonValue.Create(text)).ShouldBe(expected);

    [Fact]
    public void Any_string_reads_back_unchanged() =>
        Prop.ForAll(ArbMap.Default.ArbFor<NonNull<string>>(), text =>
        {
            var node = new JsonObject { ["key"] = text.Get, [text.Get.Length == 0 ? "empty" : text.Get] = new JsonArray(text.Get) };
            var back = YamlJsonReader.ReadAll(YamlWriter.Write(node))[0].Root;
            return JsonNode.DeepEquals(back, node);
        }).QuickCheckThrowOnFailure();

    [Fact]
    public void Nested_random_trees_read_back_unchanged()
    {
        var scalars = Gen.OneOf(
            Gen.Elements<JsonNode?>(JsonValue.Create(true), JsonValue.Create(false), JsonValue.Create(0), JsonValue.Create(-7), JsonValue.Create(2.5e-7), JsonValue.Create("x: y"), JsonValue.Create("plain")),
            ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => (JsonNode?)JsonValue.Create(s.Get)));
        Gen<JsonNode?> Tree(int depth) => depth == 0
            ? scalars
            : Gen.OneOf(
                scalars,
                Tree(depth - 1).ListOf().Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray())),
                Gen.Zip(Gen.Elements("a", "b-c", "x.y", "0", "on"), Tree(depth - 1)).ListOf()
                    .Select(pairs => (JsonNode?)new JsonObject(pairs.DistinctBy(p => p.Item1).Select(p => KeyValuePair.Create(p.Item1, p.Item2?.DeepClone())))));

        Prop.ForAll(Tree(3).Where(t => t is JsonObject).ToArbitrary(), tree =>
            JsonNode.DeepEquals(YamlJsonReader.ReadAll(YamlWriter.Write(tree))[0].Root, tree)).QuickCheckThrowOnFailure();
    }
}
