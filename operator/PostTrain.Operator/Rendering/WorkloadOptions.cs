namespace PostTrain.Operator.Rendering;

/// <summary>Operator-wide settings that shape the rendered workload.</summary>
public sealed record WorkloadOptions
{
    /// <summary>The worker image when a job sets no <c>spec.image</c>.</summary>
    public string DefaultImage { get; init; } = "ghcr.io/posttrain/posttrain-worker:latest";

    /// <summary>The GPU resource name used when a job leaves <c>spec.resources.gpuResourceName</c> at its default.</summary>
    public string GpuResourceName { get; init; } = DefaultGpuResourceName;

    /// <summary>Where the output goes when a job sets no <c>spec.output.uri</c> (an emptyDir is mounted there).</summary>
    public string ScratchOutputDirectory { get; init; } = "/var/lib/posttrain/output";

    /// <summary>The API's default GPU resource name.</summary>
    public const string DefaultGpuResourceName = "nvidia.com/gpu";
}
