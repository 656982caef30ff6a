using System.CommandLine;
using System.CommandLine.Invocation;

namespace PostTrain.Worker.Cli;

/// <summary><c>posttrain-worker --version</c>: the worker's version and the libtorch it runs on.</summary>
internal sealed class WorkerVersionAction : SynchronousCommandLineAction
{
    /// <inheritdoc/>
    public override bool ClearsParseErrors => true;

    /// <inheritdoc/>
    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(
            $"{WorkerCommandLine.ExecutableName} {typeof(WorkerVersionAction).Assembly.GetName().Version} (libtorch {Torch.TorchRuntime.Version})");
        return WorkerExitCodes.Succeeded;
    }
}
