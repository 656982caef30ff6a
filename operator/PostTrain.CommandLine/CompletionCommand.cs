using System.CommandLine;

namespace PostTrain.CommandLine;

/// <summary>
/// <c>completion</c>: prints a bash completion script. The script asks the executable itself for candidates through
/// System.CommandLine's <c>[suggest:POSITION]</c> directive, so it never goes stale as commands and options change.
/// </summary>
public static class CompletionCommand
{
    /// <summary>The <c>completion</c> command for the executable named <paramref name="executable"/>.</summary>
    public static Command Create(string executable)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        var shell = new Argument<string>("SHELL")
        {
            Description = "The shell to complete in (bash, the default, is the only one).",
            DefaultValueFactory = _ => "bash",
        };
        shell.AcceptOnlyFromAmong("bash");
        var command = new Command("completion", $"Print a bash completion script; enable it with: source <({executable} completion)") { shell };
        command.SetAction(parse => parse.InvocationConfiguration.Output.Write(BashScript(executable)));
        return command;
    }

    /// <summary>The bash script completing <paramref name="executable"/>'s commands, options and values.</summary>
    public static string BashScript(string executable)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        var function = "_" + executable.Replace('-', '_') + "_complete";
        return $$"""
            # bash completion for {{executable}}: source <({{executable}} completion)
            {{function}}() {
                local IFS=$'\n'
                local candidates
                candidates=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
                COMPREPLY=($(compgen -W "${candidates}" -- "${COMP_WORDS[COMP_CWORD]}"))
            }
            complete -o default -F {{function}} {{executable}}

            """;
    }
}
