using PostTrain.Api.Loading;
using PostTrain.Trainer.Checkpoints;
using PostTrain.Trainer.Data;
using PostTrain.Trainer.Models;

namespace PostTrain.Worker.Running;

/// <summary>
/// Sorts a job's failure into input the user must fix (a checkpoint or model that does not load, a dataset line that
/// is not what the format says, a chat template that cannot render, a missing file, a full disk, an output folder in use or holding checkpoints the spec
/// may not use: the worker exits 2 and the operator does not retry) and everything else (exit 1, retried up to
/// backoffLimit). The message is one line naming what it can (file, line, field); the stack trace is printed only
/// when <c>POSTTRAIN_STACK_TRACES=1</c>.
/// </summary>
public static class JobFailures
{
    /// <summary>The environment variable that asks for stack traces of failures.</summary>
    public const string StackTraceVariable = "POSTTRAIN_STACK_TRACES";

    /// <summary>ENOSPC: no space left on device.</summary>
    private const int NoSpace = 28;

    /// <summary>Whether <paramref name="e"/> is input the user must fix (retrying will not help).</summary>
    public static bool IsInvalidInput(Exception e) => e switch
    {
        JobInputException or DatasetFormatException or CheckpointException or ModelConfigException or ManifestException => true,
        Trainer.Tokenizers.Chat.Jinja.JinjaException => true,
        FileNotFoundException or DirectoryNotFoundException => true,
        InvalidDataException => true,
        Trainer.Rewards.Sandbox.SandboxUnavailableException => true,
        IOException io when IsDiskFull(io) => true,
        _ => false,
    };

    /// <summary>Whether <paramref name="e"/> says the disk is full.</summary>
    public static bool IsDiskFull(IOException e) =>
        e.HResult == NoSpace || (e.HResult & 0xFFFF) == NoSpace || e.Message.Contains("No space left on device", StringComparison.Ordinal);

    /// <summary>The message of a failure: its own for known kinds, with the type for unexpected ones.</summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var message = e is IOException io && IsDiskFull(io) ? $"the disk is full: {e.Message}" : e.Message;
        var known = IsInvalidInput(e) || e is IOException or Trainer.Training.TrainingDivergedException or Trainer.Training.TrainingOutOfMemoryException or ArgumentException or InvalidOperationException or HttpRequestException or PostTrain.Torch.TorchException;
        return known ? message : $"{e.GetType().Name}: {message}";
    }

    /// <summary>Writes the stack trace of <paramref name="e"/> to <paramref name="error"/> when asked for.</summary>
    public static void TraceIfAsked(Exception e, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(error);
        if (Environment.GetEnvironmentVariable(StackTraceVariable) == "1")
        {
            error.WriteLine(e.ToString());
        }
    }
}
