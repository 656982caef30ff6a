using System.Globalization;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>
/// Field paths as k8s.io/apimachinery's field.Path prints them: children joined with dots, map keys and indices in
/// brackets (<c>spec.env[0]</c>, <c>spec.nodeSelector[zone]</c>). A null path prints as <c>&lt;nil&gt;</c>.
/// </summary>
internal static class FieldPath
{
    /// <summary>How a null (root) path prints.</summary>
    public const string Nil = "<nil>";

    /// <summary>field.Path.Child.</summary>
    public static string Child(string? parent, string name) => parent is null ? name : $"{parent}.{name}";

    /// <summary>field.Path.Key.</summary>
    public static string Key(string? parent, string key) => $"{parent}[{key}]";

    /// <summary>field.Path.Index.</summary>
    public static string Index(string? parent, int index) => string.Create(CultureInfo.InvariantCulture, $"{parent}[{index}]");

    /// <summary>field.Path.String.</summary>
    public static string Print(string? path) => path ?? Nil;
}
