using System.Reflection;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// The summaries of the KubernetesClient models, read from the KubernetesClient.xml documentation file that the
/// project copies beside KubernetesClient.dll: they are the Kubernetes API's own field descriptions, and become
/// the OpenAPI descriptions `kubectl explain` prints.
/// </summary>
internal static class ModelDocumentation
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Summaries = new(Load);

    /// <summary>Whether the documentation file was found (descriptions are empty without it).</summary>
    public static bool Available => Summaries.Value.Count > 0;

    /// <summary>The summary of a model type, or null.</summary>
    public static string? Of(Type type) => Summaries.Value.GetValueOrDefault("T:" + type.FullName);

    /// <summary>The summary of a model property, or null.</summary>
    public static string? Of(PropertyInfo property) =>
        Summaries.Value.GetValueOrDefault("P:" + property.DeclaringType!.FullName + "." + property.Name);

    private static Dictionary<string, string> Load()
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        var assembly = typeof(k8s.Models.V1Pod).Assembly;
        var candidates = new[]
        {
            Path.ChangeExtension(assembly.Location, ".xml"),
            Path.Combine(AppContext.BaseDirectory, "KubernetesClient.xml"),
        };
        var path = candidates.FirstOrDefault(p => p.Length > 4 && File.Exists(p));
        if (path is null)
        {
            return summaries;
        }

        using var reader = XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, IgnoreComments = true });
        while (reader.ReadToFollowing("member"))
        {
            var name = reader.GetAttribute("name");
            if (name is null || !(name.StartsWith("T:k8s.Models.", StringComparison.Ordinal) || name.StartsWith("P:k8s.Models.", StringComparison.Ordinal)))
            {
                continue;
            }

            var member = (XElement)XNode.ReadFrom(reader);
            if (member.Element("summary") is { } summary && Normalize(summary.Value) is { Length: > 0 } text)
            {
                summaries[name] = text;
            }
        }

        return summaries;
    }

    /// <summary>Joins the wrapped lines of each paragraph; blank lines separate paragraphs.</summary>
    private static string Normalize(string text)
    {
        var result = new StringBuilder();
        var paragraph = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                Flush();
                continue;
            }

            if (paragraph.Length > 0)
            {
                paragraph.Append(' ');
            }

            paragraph.Append(line);
        }

        Flush();
        return result.ToString();

        void Flush()
        {
            if (paragraph.Length == 0)
            {
                return;
            }

            if (result.Length > 0)
            {
                result.Append("\n\n");
            }

            result.Append(paragraph);
            paragraph.Clear();
        }
    }
}
