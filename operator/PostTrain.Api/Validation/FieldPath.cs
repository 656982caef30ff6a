using System.Text.RegularExpressions;

namespace PostTrain.Api.Validation;

/// <summary>Builds field paths the way Kubernetes prints them: <c>spec.reward[0].type</c>, <c>metadata.labels[app.kubernetes.io/name]</c>.</summary>
public static partial class FieldPath
{
    /// <summary>The path of a field of the object at <paramref name="parent"/>.</summary>
    /// <param name="parent">The object's path; empty for the document root.</param>
    /// <param name="name">The field name.</param>
    /// <returns>The field's path.</returns>
    public static string Child(string parent, string name)
    {
        ArgumentNullException.ThrowIfNull(parent);
        ArgumentNullException.ThrowIfNull(name);
        if (!IdentifierRegex().IsMatch(name))
        {
            return $"{parent}[{name}]";
        }

        return parent.Length == 0 ? name : $"{parent}.{name}";
    }

    /// <summary>The path of an item of the array at <paramref name="parent"/>.</summary>
    /// <param name="parent">The array's path.</param>
    /// <param name="index">The item's index.</param>
    /// <returns>The item's path.</returns>
    public static string Index(string parent, int index) => $"{parent}[{index}]";

    [GeneratedRegex("^[A-Za-z_$][A-Za-z0-9_$-]*\\z")]
    private static partial Regex IdentifierRegex();
}
