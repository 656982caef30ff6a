using PostTrain.Api;
using PostTrain.Api.Jobs;
using PostTrain.Kube.Models;

namespace PostTrain.Operator.Resources;

/// <summary>The resource descriptors of the three PostTrain kinds.</summary>
public static class JobKinds
{
    /// <summary>SftJob.</summary>
    public static ResourceDescriptor Sft { get; } = new(ApiGroup.Group, ApiGroup.Version, "sftjobs", SftJob.KindName, true);

    /// <summary>RlvrJob.</summary>
    public static ResourceDescriptor Rlvr { get; } = new(ApiGroup.Group, ApiGroup.Version, "rlvrjobs", RlvrJob.KindName, true);

    /// <summary>EvalJob.</summary>
    public static ResourceDescriptor Eval { get; } = new(ApiGroup.Group, ApiGroup.Version, "evaljobs", EvalJob.KindName, true);

    /// <summary>All three, dependencies first.</summary>
    public static IReadOnlyList<ResourceDescriptor> All { get; } = [Sft, Rlvr, Eval];

    /// <summary>The descriptor of a kind name, or null.</summary>
    public static ResourceDescriptor? ByKind(string kind) => All.FirstOrDefault(d => d.Kind == kind);
}
