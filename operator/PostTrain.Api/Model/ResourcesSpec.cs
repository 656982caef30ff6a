using System.Text.Json.Serialization;
using PostTrain.Api.Schema;
using PostTrain.Api.Serialization;

namespace PostTrain.Api.Model;

/// <summary>The compute a job runs on.</summary>
public sealed class ResourcesSpec
{
    /// <summary>The Kubernetes quantity pattern (e.g. 500m, 4, 16Gi).</summary>
    public const string QuantityPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    /// <summary>
    /// GPUs per node (per worker pod); 0 runs on CPU. With N GPUs the pod runs N worker processes, one per GPU as
    /// torchrun does (LOCAL_RANK, RANK = node x N + local rank, WORLD_SIZE = nodes x N), training data-parallel over
    /// NCCL; a pod that asks for GPUs and finds no CUDA fails at once instead of training on its CPU.
    /// </summary>
    [RangeMinimum(0)]
    [RangeMaximum(64)]
    public int Gpus { get; set; } = 1;

    /// <summary>Nodes (worker pods); more than 1 runs an Indexed Job with a headless Service and c10d.</summary>
    [RangeMinimum(1)]
    public int Nodes { get; set; } = 1;

    /// <summary>CPU request and limit per pod, a Kubernetes quantity (e.g. 8 or 500m); unset leaves it to the cluster.</summary>
    [IntOrString]
    [JsonConverter(typeof(IntOrStringConverter))]
    [Pattern(QuantityPattern)]
    public string? Cpu { get; set; }

    /// <summary>Memory request and limit per pod, a Kubernetes quantity (e.g. 64Gi); unset leaves it to the cluster.</summary>
    [IntOrString]
    [JsonConverter(typeof(IntOrStringConverter))]
    [Pattern(QuantityPattern)]
    public string? Memory { get; set; }

    /// <summary>The extended resource name GPUs are requested under.</summary>
    [Length(MinLength = 1)]
    public string GpuResourceName { get; set; } = "nvidia.com/gpu";

    /// <summary>Size of the memory-backed /dev/shm volume, a Kubernetes quantity (e.g. 16Gi); unset uses the container default.</summary>
    [IntOrString]
    [JsonConverter(typeof(IntOrStringConverter))]
    [Pattern(QuantityPattern)]
    public string? SharedMemory { get; set; }
}
