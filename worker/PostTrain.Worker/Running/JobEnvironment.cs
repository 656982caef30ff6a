using System.Globalization;
using PostTrain.Api.Model;
using PostTrain.Torch;
using PostTrain.Torch.Distributed;
using PostTrain.Trainer.Training;
using PostTrain.Worker.Observability;

namespace PostTrain.Worker.Running;

/// <summary>What every job runner shares: where sources come from, where outputs go, and who watches progress.</summary>
/// <param name="Sources">Model and dataset loading.</param>
/// <param name="Progress">Progress, metrics and /status.</param>
/// <param name="RunsDirectory">Outputs of jobs that name no output location go to RUNS/&lt;job&gt;.</param>
/// <param name="PvcRoot">Where pvc://claim/path outputs are mounted.</param>
public sealed record JobEnvironment(SourceLoading Sources, JobProgress Progress, string RunsDirectory, string PvcRoot) : IDisposable
{
    private ProcessGroup? _group;

    /// <summary>The device this process computes on (see <see cref="DeviceSelection"/>).</summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>This process's rank in a multi-process job ($RANK, as PyTorch names it); 0 for a single process.</summary>
    public int Rank { get; init; } = EnvironmentInt("RANK", 0);

    /// <summary>How many processes run the job ($WORLD_SIZE); 1 for a single process.</summary>
    public int WorldSize { get; init; } = EnvironmentInt("WORLD_SIZE", 1);

    /// <summary>
    /// The directory this process writes a job's checkpoints and result to: the job's output (see
    /// <see cref="JobOutputDirectory"/>) on rank 0, and a private scratch directory on every other rank, so that in a
    /// multi-process job only rank 0 writes into the output.
    /// </summary>
    public string OutputDirectory(string jobName, OutputSpec output) =>
        Rank == 0 ? JobOutputDirectory(jobName, output) : Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"posttrain-rank-{Rank}"), jobName);

    /// <summary>The job's output directory, where rank 0 writes and from which every rank resumes.</summary>
    public string JobOutputDirectory(string jobName, OutputSpec output)
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

    /// <summary>
    /// How a checkpoint directory this job wrote is reported (result JSON, /status, and fromJob within one run): in the
    /// URI form of the job's output, so another job, in another pod, can name it as a source. A <c>pvc://claim/path</c>
    /// output reports <c>pvc://claim/path/checkpoint-N</c> (the inverse of mounting, <see cref="PvcPaths.TryToUri"/>
    /// with <see cref="PvcRoot"/>), a <c>file://</c> output a <c>file://</c> URI, and a plain or unset output the
    /// absolute path.
    /// </summary>
    /// <param name="output">The job's output.</param>
    /// <param name="localPath">The checkpoint directory as the trainer wrote it.</param>
    /// <returns>The URI to report.</returns>
    public string CheckpointUri(OutputSpec output, string localPath)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        var path = Path.GetFullPath(localPath);
        var uri = output.Uri ?? "";
        if (uri.StartsWith("pvc://", StringComparison.Ordinal))
        {
            return PvcPaths.TryToUri(path, Path.GetFullPath(PvcRoot), out var pvc)
                ? pvc
                : throw new InvalidOperationException($"checkpoint {path} of output {uri} is not under the claims' root {PvcRoot}");
        }

        return uri.StartsWith("file://", StringComparison.Ordinal) ? FileUri(path) : path;
    }

    /// <summary>
    /// The data-parallel group of this process's jobs: joined once, on the first job that needs it, from MASTER_ADDR,
    /// MASTER_PORT, RANK and WORLD_SIZE, and kept for every later job of the run (ranks run the same jobs in the same
    /// order). NCCL on a CUDA device, Gloo on the CPU. A group of one when WORLD_SIZE is 1.
    /// </summary>
    public ProcessGroup? JoinGroup()
    {
        if (WorldSize > 1 && _group is null)
        {
            _group = ProcessGroup.FromEnvironment(Device.IsCuda ? Backend.Nccl : Backend.Gloo);
        }

        return _group;
    }

    /// <summary>Device, precision and activation checkpointing of a training job.</summary>
    public ComputeOptions Compute(Precision precision, bool gradientCheckpointing) => new()
    {
        Device = Device,
        MixedPrecision = precision == Precision.Bf16 ? ScalarType.BFloat16 : null,
        GradientCheckpointing = gradientCheckpointing,
    };

    /// <summary>Leaves the process group.</summary>
    public void Dispose() => _group?.Dispose();

    /// <summary><c>file:///absolute/path</c>, each segment escaped (the source parsers unescape file:// paths).</summary>
    private static string FileUri(string absolutePath) =>
        "file://" + string.Join('/', absolutePath.Split('/').Select(Uri.EscapeDataString));

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
