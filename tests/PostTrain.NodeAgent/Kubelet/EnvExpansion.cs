using System.Text;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// Kubernetes' <c>$(VAR)</c> expansion in env values, command and args: a defined variable is replaced, an
/// undefined reference stays as written, <c>$$</c> is a literal <c>$</c>.
/// </summary>
internal static class EnvExpansion
{
    /// <summary>Expands the references in <paramref name="input"/> through <paramref name="lookup"/> (null: undefined).</summary>
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var output = new StringBuilder(input.Length);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            if (c != '$' || i + 1 >= input.Length)
            {
                output.Append(c);
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                output.Append('$');
                i++;
            }
            else if (next == '(' && input.IndexOf(')', i + 2) is var close and > 0)
            {
                var name = input[(i + 2)..close];
                output.Append(lookup(name) ?? input[i..(close + 1)]);
                i = close;
            }
            else
            {
                output.Append(c);
            }
        }

        return output.ToString();
    }
}
