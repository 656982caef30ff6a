using PostTrain.Api.Model;
using PostTrain.Worker.Observability;

namespace PostTrain.Worker.Running;

/// <summary>What every job runner shares: where sources come from, where outputs go, and who watches progress.</summary>
/// <param name="Sources">Model and dataset loading.</param>
/// <param name="Progress">Progress, metrics and /status.</param>
/// <param name="RunsDirectory">Outputs of jobs that name no output location go to RUNS/&lt;job&gt;.</param>
/// <param name="PvcRoot">Where pvc://claim/path outputs are mounted.</param>
public sealed record JobEnvironment(SourceLoading Sources, JobProgress Progress, string RunsDirectory, string PvcRoot)
{
    /// <summary>The directory a job writes its checkpoints and result to.</summary>
    public string OutputDirectory(string jobName, OutputSpec output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var uri = output.Uri;
        if (string.IsNullOrEmpty(uri))
        {
            return Path.GetFullPath(Path.Combine(RunsDirectory, jobName));
        }

        if (uri.StartsWith("pvc://", StringComparison.Ordinal))
        {
            return Path.Combine(PvcRoot, uri["pvc://".Length..]);
        }

        if (uri.StartsWith("file://", StringComparison.Ordinal))
        {
            return new Uri(uri).LocalPath;
        }

        if (uri.Contains("://", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"spec.output.uri: '{uri}' is not a local path, file:// or pvc:// location");
        }

        return Path.GetFullPath(uri);
    }
}
