using System.Text;

namespace PostTrain.Kube.Testing.Validation;

/// <summary>The value of a <c>Warning</c> response header, as kube-apiserver writes it (k8s.io/apimachinery pkg/util/net NewWarningHeader).</summary>
public static class WarningHeader
{
    /// <summary><c>299 - "TEXT"</c>, with quotes and backslashes in the text escaped.</summary>
    /// <param name="text">The warning text, e.g. <c>unknown field "spec.foo"</c>.</param>
    /// <returns>The header value.</returns>
    public static string Format(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder("299 - \"", text.Length + 10);
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"').ToString();
    }
}
