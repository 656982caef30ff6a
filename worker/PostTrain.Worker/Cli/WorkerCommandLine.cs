using System.CommandLine;
using PostTrain.CommandLine;
using PostTrain.Worker.Running;

namespace PostTrain.Worker.Cli;

/// <summary>
/// The worker's command line, on System.CommandLine: one <see cref="Command"/> per subcommand, <c>--help</c> on each,
/// <c>--version</c>, the <c>[suggest]</c> directive and a <c>completion</c> subcommand for shell completion. Parse errors
/// and <see cref="UsageException"/> exit <see cref="WorkerExitCodes.InvalidInput"/>, as input the user must fix.
/// </summary>
public static class WorkerCommandLine
{
    /// <summary>The executable's name, as help and completion show it.</summary>
    public const string ExecutableName = "posttrain-worker";

    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "Runs SftJob, RlvrJob and EvalJob manifests (or the operator's job.json) on this machine, and offers tools for "
            + "looking inside a checkpoint, checking data and rewards before a run, and merging a LoRA adapter.\n\n"
            + "Exit codes: 0 succeeded, 1 a job failed, 2 bad command line or manifest, 3 the machine cannot run the job "
            + "(a GPU job without a usable GPU), 143 stopped by SIGTERM after saving a checkpoint (resume with the same command).")
        {
            RunCommand.Create(),
            DebugCommands.CreateTokenize(),
            DebugCommands.CreateGenerate(),
            DebugCommands.CreateScore(),
            RewardCommand.Create(),
            SandboxServerCommand.Create(),
            ChatTemplateCommand.Create(),
            DatasetCommand.Create(),
            MergeAdapterCommand.Create(),
            CompletionCommand.Create(ExecutableName),
        };
        root.HelpName = ExecutableName; // also when hosted by another executable (dotnet, a test host)
        foreach (var version in root.Options.OfType<VersionOption>())
        {
            version.Action = new WorkerVersionAction();
        }

        return root;
    }

    /// <summary>
    /// Parses <paramref name="args"/> and runs the chosen command; returns the process exit code. A bad command line
    /// prints what is wrong and where help is to <paramref name="error"/> and returns <see cref="WorkerExitCodes.InvalidInput"/>.
    /// </summary>
    public static async Task<int> InvokeAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args.Count == 0)
        {
            // No command: the usage, on stderr, as a usage error.
            await Create().Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = error }, cancellationToken).ConfigureAwait(false);
            return WorkerExitCodes.InvalidInput;
        }

        var parse = Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync($"{ExecutableName}: {e.Message}").ConfigureAwait(false);
            }

            await error.WriteLineAsync($"Run '{HelpCommandLine(parse)}' for usage.").ConfigureAwait(false);
            return WorkerExitCodes.InvalidInput;
        }

        // Commands handle SIGTERM themselves (a run saves a checkpoint first), and exceptions map to exit codes below.
        var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        try
        {
            return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"{ExecutableName}: {e.Message}").ConfigureAwait(false);
            await error.WriteLineAsync($"Run '{HelpCommandLine(parse)}' for usage.").ConfigureAwait(false);
            return WorkerExitCodes.InvalidInput;
        }
        catch (InvalidEnvironmentException e)
        {
            await error.WriteLineAsync($"{ExecutableName}: InvalidEnvironment: {e.Message}").ConfigureAwait(false);
            return WorkerExitCodes.InvalidEnvironment;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One line, not a stack trace and exit 134; input the user must fix exits 2 so the operator does not retry it.
            var invalid = JobFailures.IsInvalidInput(e);
            await error.WriteLineAsync($"{ExecutableName}: {(invalid ? "InvalidInput: " : string.Empty)}{JobFailures.Describe(e)}").ConfigureAwait(false);
            JobFailures.TraceIfAsked(e, error);
            return invalid ? WorkerExitCodes.InvalidInput : WorkerExitCodes.Failed;
        }
    }

    /// <summary>The help command line for the (sub)command a parse reached, e.g. <c>posttrain-worker run --help</c>.</summary>
    private static string HelpCommandLine(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Insert(0, result.Command is RootCommand ? ExecutableName : result.Command.Name);
        }

        return $"{string.Join(' ', names)} --help";
    }
}
