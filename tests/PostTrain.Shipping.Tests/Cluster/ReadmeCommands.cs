using System.Text;

namespace PostTrain.Shipping.Tests.Cluster;

/// <summary>
/// The shell commands of the README's fenced code blocks, split into argument vectors as a POSIX shell would
/// (quotes, backslash-newline continuations, <c>#</c> comments), so the scenario tests run exactly what a reader
/// copies. Only what the README uses is supported: no pipes, redirections or variables.
/// </summary>
public static class ReadmeCommands
{
    /// <summary>The commands of the code blocks under the heading <paramref name="heading"/> (up to the next heading of any level).</summary>
    public static IReadOnlyList<string[]> Under(string heading)
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepoRoot, "README.md"));
        var start = Array.FindIndex(lines, l => l.TrimStart('#').Trim() == heading && l.StartsWith('#'));
        if (start < 0)
        {
            throw new InvalidOperationException($"README.md has no heading \"{heading}\"");
        }

        var commands = new List<string[]>();
        var inBlock = false;
        var block = new StringBuilder();
        for (var i = start + 1; i < lines.Length && !(lines[i].StartsWith('#') && !inBlock); i++)
        {
            if (lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                if (inBlock)
                {
                    commands.AddRange(Split(block.ToString()));
                    block.Clear();
                }

                inBlock = !inBlock;
                continue;
            }

            if (inBlock)
            {
                block.Append(lines[i]).Append('\n');
            }
        }

        return commands;
    }

    /// <summary>Splits shell text into commands (one per line, after continuations) and each into words.</summary>
    public static IReadOnlyList<string[]> Split(string script)
    {
        var commands = new List<string[]>();
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < script.Length; i++)
        {
            var c = script[i];
            switch (c)
            {
                case '\\' when i + 1 < script.Length && script[i + 1] == '\n':
                    i++;
                    break;
                case '\\' when i + 1 < script.Length:
                    word.Append(script[++i]);
                    inWord = true;
                    break;
                case '\'':
                    {
                        var end = script.IndexOf('\'', i + 1);
                        if (end < 0)
                        {
                            throw new FormatException($"unterminated ' in: {script}");
                        }

                        word.Append(script, i + 1, end - i - 1);
                        inWord = true;
                        i = end;
                        break;
                    }

                case '"':
                    {
                        i++;
                        while (i < script.Length && script[i] != '"')
                        {
                            if (script[i] == '\\' && i + 1 < script.Length && script[i + 1] is '"' or '\\' or '$' or '`')
                            {
                                i++;
                            }

                            word.Append(script[i++]);
                        }

                        if (i >= script.Length)
                        {
                            throw new FormatException($"unterminated \" in: {script}");
                        }

                        inWord = true;
                        break;
                    }

                case '#' when !inWord:
                    while (i + 1 < script.Length && script[i + 1] != '\n')
                    {
                        i++;
                    }

                    break;
                case ' ' or '\t' or '\n':
                    if (inWord)
                    {
                        words.Add(word.ToString());
                        word.Clear();
                        inWord = false;
                    }

                    if (c == '\n' && words.Count > 0)
                    {
                        commands.Add([.. words]);
                        words.Clear();
                    }

                    break;
                case '|' or '>' or '<' or '$' or ';' or '&' or '`':
                    throw new FormatException($"'{c}' is beyond what the README commands use: {script}");
                default:
                    word.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        if (words.Count > 0)
        {
            commands.Add([.. words]);
        }

        return commands;
    }
}
