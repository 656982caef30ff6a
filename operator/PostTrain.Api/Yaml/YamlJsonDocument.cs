using System.Text.Json.Nodes;

namespace PostTrain.Api.Yaml;

/// <summary>One YAML document read as a JSON tree, with the position of every field for error messages.</summary>
/// <param name="Index">The document's index in its stream, from 0.</param>
/// <param name="Start">Where the document starts.</param>
/// <param name="Root">The document's content.</param>
/// <param name="Positions">Field path (e.g. <c>spec.reward[0].type</c>) to the position of its key (or list item).</param>
public sealed record YamlJsonDocument(int Index, YamlMark Start, JsonNode? Root, IReadOnlyDictionary<string, YamlMark> Positions)
{
    /// <summary>The position of <paramref name="path"/>, or of its nearest ancestor that has one.</summary>
    /// <param name="path">A field path.</param>
    /// <returns>The position, or the document start.</returns>
    public YamlMark PositionOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        for (var current = path; ;)
        {
            if (Positions.TryGetValue(current, out var mark))
            {
                return mark;
            }

            var cut = Math.Max(current.LastIndexOf('.'), current.LastIndexOf('['));
            if (cut <= 0)
            {
                return Start;
            }

            current = current[..cut];
        }
    }
}
