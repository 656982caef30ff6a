using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PostTrain.Kube.Tests;

/// <summary>
/// Reads a YAML document (a CRD file, a test manifest) into a JSON tree: plain scalars resolve by the YAML 1.2 core
/// schema (null, booleans, integers, floats, numbers keeping their written form), quoted scalars stay strings.
/// </summary>
internal static partial class YamlJson
{
    /// <summary>The first document of <paramref name="yaml"/>.</summary>
    public static JsonNode? Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode);
    }

    /// <summary>Every non-empty document of <paramref name="yaml"/>.</summary>
    public static List<JsonNode?> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })
            .Select(d => Convert(d.RootNode))
            .ToList();
    }

    /// <summary>The first document of <paramref name="yaml"/>, an object.</summary>
    public static JsonObject Object(string yaml) => (JsonObject)Parse(yaml)!;

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, Convert(p.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException(node.NodeType.ToString()),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(text.Equals("true", StringComparison.OrdinalIgnoreCase));
        }

        if (Integer().IsMatch(text))
        {
            return JsonNode.Parse(text.TrimStart('+'));
        }

        if (Float().IsMatch(text))
        {
            var json = text.TrimStart('+');
            json = json.StartsWith('.') ? "0" + json : json.StartsWith("-.", StringComparison.Ordinal) ? "-0" + json[1..] : json;
            json = json.Replace(".e", ".0e", StringComparison.OrdinalIgnoreCase).Replace(".E", ".0E", StringComparison.Ordinal);
            return JsonNode.Parse(json.EndsWith('.') ? json + "0" : json);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Float();
}
