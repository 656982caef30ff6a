using System.CommandLine;
using PostTrain.CommandLine;

namespace PostTrain.Operator.Hosting;

/// <summary>
/// <c>posttrain-operator</c>'s command line, on System.CommandLine: with <see cref="OperatorOptions"/> it runs the
/// controllers; <c>crds DIR</c> regenerates the CRDs (<c>make crds</c>); <c>completion</c> prints a bash completion
/// script over the <c>[suggest]</c> directive. <c>--help</c> works on each. A bad command line exits <see cref="UsageExitCode"/>.
/// </summary>
public static class OperatorCommandLine
{
    /// <summary>The executable's name, as help shows it.</summary>
    public const string ExecutableName = "posttrain-operator";

    /// <summary>The exit code of a bad command line or environment.</summary>
    public const int UsageExitCode = 2;

    /// <summary>The root command: the run mode's options and the <c>crds</c> and <c>completion</c> subcommands.</summary>
    /// <param name="environment">Reads the environment variables the options fall back to.</param>
    /// <param name="run">Runs the operator with its configuration until the token is cancelled; returns the exit code.</param>
    public static RootCommand Create(Func<string, string?> environment, Func<OperatorConfiguration, CancellationToken, Task<int>> run)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(run);
        var options = new OperatorOptions();
        var directory = new Argument<string>("DIR") { Description = "The folder to write the CRD YAML files into." };
        var crds = new Command("crds", "Regenerate the CRD YAML of SftJob, RlvrJob and EvalJob from their C# types (make crds).") { directory };
        crds.SetAction(parse =>
        {
            foreach (var path in Api.CrdGenerator.WriteAll(parse.GetRequiredValue(directory)))
            {
                parse.InvocationConfiguration.Output.WriteLine($"wrote {path}");
            }
        });
        var root = new RootCommand(
            "Reconciles SftJob, RlvrJob and EvalJob into worker pods, reports their status, and chains jobs. "
            + "Flags win over the environment variables each option names.")
        {
            crds,
            CompletionCommand.Create(ExecutableName),
        };
        root.HelpName = ExecutableName;
        options.AddTo(root);
        root.SetAction((parse, cancellationToken) => run(options.Read(parse, environment), cancellationToken));
        return root;
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs the chosen command; returns the process exit code. A bad command line or
    /// environment prints what is wrong to <paramref name="error"/> and returns <see cref="UsageExitCode"/>.
    /// </summary>
    public static async Task<int> InvokeAsync(
        IReadOnlyList<string> args,
        Func<string, string?> environment,
        Func<OperatorConfiguration, CancellationToken, Task<int>> run,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var parse = Create(environment, run).Parse(args);
        var help = $"{ExecutableName}{(parse.CommandResult.Command is RootCommand ? string.Empty : " " + parse.CommandResult.Command.Name)} --help";
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync($"{ExecutableName}: {e.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync($"Run '{help}' for usage.").ConfigureAwait(false);
            return UsageExitCode;
        }

        // The host handles SIGTERM itself (it stops the controllers and gives up the Lease).
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            // A bad environment variable, e.g. POSTTRAIN_CONCURRENCY=many.
            await error.WriteLineAsync($"{ExecutableName}: {e.Message}").ConfigureAwait(false);
            return UsageExitCode;
        }
    }
}
