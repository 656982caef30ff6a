using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PostTrain.Api.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PostTrain.Api.Yaml;

/// <summary>
/// Reads YAML (JSON being YAML too) into JSON trees with field positions. Plain scalars resolve by the YAML 1.2
/// core schema (null, true/false, integers, floats); quoted scalars and <c>!!str</c> stay strings.
/// </summary>
public static partial class YamlJsonReader
{
    /// <summary>Reads every document of a YAML stream; empty documents are skipped.</summary>
    /// <param name="text">The YAML text.</param>
    /// <returns>The documents.</returns>
    /// <exception cref="YamlException">The text is not well-formed YAML (the exception carries the position).</exception>
    public static IReadOnlyList<YamlJsonDocument> ReadAll(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var documents = new List<YamlJsonDocument>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            if (root is YamlScalarNode { Value: null or "" } && root.Tag.IsEmpty)
            {
                continue;
            }

            var positions = new Dictionary<string, YamlMark>(StringComparer.Ordinal);
            documents.Add(new YamlJsonDocument(i, Mark(root.Start), Convert(root, "", positions), positions));
        }

        return documents;
    }

    private static JsonNode? Convert(YamlNode node, string path, Dictionary<string, YamlMark> positions)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        throw new YamlException(keyNode.Start, keyNode.End, "mapping keys must be strings");
                    }

                    if (obj.ContainsKey(key))
                    {
                        throw new YamlException(keyNode.Start, keyNode.End, $"duplicate key '{key}'");
                    }

                    var childPath = FieldPath.Child(path, key);
                    positions[childPath] = Mark(keyNode.Start);
                    obj[key] = Convert(valueNode, childPath, positions);
                }

                return obj;
            case YamlSequenceNode sequence:
                var array = new JsonArray();
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    var itemPath = FieldPath.Index(path, i);
                    positions[itemPath] = Mark(sequence.Children[i].Start);
                    array.Add(Convert(sequence.Children[i], itemPath, positions));
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new YamlException(node.Start, node.End, $"unsupported YAML node {node.NodeType}");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || (scalar.Style != ScalarStyle.Plain && tag.Length == 0))
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (IntegerRegex().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (HexRegex().IsMatch(text))
        {
            return JsonValue.Create(long.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
        }

        if (FloatRegex().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }

    private static YamlMark Mark(Mark mark) => new(mark.Line, mark.Column);

    [GeneratedRegex("^[-+]?[0-9]+\\z")]
    private static partial Regex IntegerRegex();

    [GeneratedRegex("^0x[0-9a-fA-F]+\\z")]
    private static partial Regex HexRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\z")]
    private static partial Regex FloatRegex();
}
