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

    /// <summary>The uid (and gid) of the sandbox sidecar, which runs model-written code; not the worker's.</summary>
    public int SandboxUid { get; init; } = 65532;

    /// <summary>The sandbox sidecar's CPU request.</summary>
    public string SandboxCpu { get; init; } = "1";

    /// <summary>The sandbox sidecar's memory request and limit.</summary>
    public string SandboxMemory { get; init; } = "2Gi";

    /// <summary>The size limit of the sandbox sidecar's scratch (its /tmp).</summary>
    public string SandboxScratch { get; init; } = "1Gi";

    /// <summary>The API's default GPU resource name.</summary>
    public const string DefaultGpuResourceName = "nvidia.com/gpu";
}
