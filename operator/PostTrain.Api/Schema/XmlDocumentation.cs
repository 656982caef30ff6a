using System.Reflection;
using System.Text;
using System.Xml.Linq;

namespace PostTrain.Api.Schema;

/// <summary>
/// The summaries of a compiler-generated XML documentation file, as plain text: the source of CRD field
/// descriptions (what <c>kubectl explain</c> shows).
/// </summary>
public sealed class XmlDocumentation
{
    private readonly Dictionary<string, string> _summaries;

    private XmlDocumentation(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>An instance without summaries: every lookup returns null.</summary>
    public static XmlDocumentation Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>Loads the documentation file the compiler wrote next to <paramref name="assembly"/> (Name.xml).</summary>
    /// <param name="assembly">The documented assembly.</param>
    /// <returns>The summaries.</returns>
    /// <exception cref="FileNotFoundException">No documentation file sits next to the assembly.</exception>
    public static XmlDocumentation ForAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var directory = string.IsNullOrEmpty(assembly.Location) ? AppContext.BaseDirectory : Path.GetDirectoryName(assembly.Location)!;
        var path = Path.Combine(directory, assembly.GetName().Name + ".xml");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} not found: CRD descriptions come from the XML documentation of {assembly.GetName().Name}; build it with GenerateDocumentationFile=true",
                path);
        }

        return Parse(XDocument.Load(path));
    }

    /// <summary>Reads the summaries of an XML documentation document.</summary>
    /// <param name="document">The document.</param>
    /// <returns>The summaries.</returns>
    public static XmlDocumentation Parse(XDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in document.Descendants("member"))
        {
            var name = member.Attribute("name")?.Value;
            var summary = member.Element("summary");
            if (name is not null && summary is not null)
            {
                summaries[name] = ToPlainText(summary);
            }
        }

        return new XmlDocumentation(summaries);
    }

    /// <summary>The summary of a type, or null.</summary>
    /// <param name="type">The type.</param>
    /// <returns>Plain text, or null.</returns>
    public string? Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return _summaries.GetValueOrDefault("T:" + type.FullName?.Replace('+', '.'));
    }

    /// <summary>The summary of a property (looked up on its declaring type), or null.</summary>
    /// <param name="property">The property.</param>
    /// <returns>Plain text, or null.</returns>
    public string? Of(PropertyInfo property)
    {
        ArgumentNullException.ThrowIfNull(property);
        var declaring = property.DeclaringType?.FullName?.Replace('+', '.');
        return _summaries.GetValueOrDefault($"P:{declaring}.{property.Name}");
    }

    private static string ToPlainText(XElement element)
    {
        var builder = new StringBuilder();
        Append(element, builder);
        var lines = builder.ToString().Split('\n').Select(line => string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
        return string.Join("\n", lines.Where(line => line.Length > 0));
    }

    private static void Append(XElement element, StringBuilder builder)
    {
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText text:
                    builder.Append(text.Value.Replace('\n', ' ').Replace('\r', ' '));
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    var reference = see.Attribute("cref")?.Value ?? see.Attribute("langword")?.Value ?? see.Attribute("href")?.Value ?? "";
                    builder.Append(see.Value.Length > 0 ? see.Value : reference[(reference.LastIndexOf('.') + 1)..]);
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } paramRef:
                    builder.Append(paramRef.Attribute("name")?.Value);
                    break;
                case XElement { Name.LocalName: "para" } para:
                    builder.Append('\n');
                    Append(para, builder);
                    builder.Append('\n');
                    break;
                case XElement inner:
                    Append(inner, builder);
                    break;
            }
        }
    }
}
