using System.Text.Json.Serialization;
using PostTrain.Api.Model;
using PostTrain.Api.Status;

namespace PostTrain.Api.Jobs;

/// <summary>What every PostTrain kind has: apiVersion, kind, metadata, a spec and a status.</summary>
public abstract class PostTrainJob
{
    /// <summary>Creates a job of the given kind.</summary>
    /// <param name="kind">The kind name.</param>
    protected PostTrainJob(string kind) => Kind = kind;

    /// <summary>The versioned schema of this object: posttrain.dev/v1alpha1.</summary>
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>The kind of this object.</summary>
    public string Kind { get; set; }

    /// <summary>Standard object metadata.</summary>
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The observed state, written by the operator.</summary>
    public JobStatus? Status { get; set; }

    /// <summary>The spec fields every kind shares.</summary>
    [JsonIgnore]
    public abstract JobSpecBase CommonSpec { get; }

    /// <summary><c>Kind/name</c>, for messages.</summary>
    [JsonIgnore]
    public string DisplayName => $"{Kind}/{Metadata.Name}";

    /// <summary>The other jobs this one starts from (fromJob), each with the spec path that names it.</summary>
    /// <returns>Pairs of field path and reference.</returns>
    public abstract IEnumerable<(string Path, JobReference Reference)> JobReferences();

    /// <summary>The fromJob reference of a model spec at <paramref name="path"/>, if it has one.</summary>
    /// <param name="path">The field path of the model spec.</param>
    /// <param name="model">The model spec, possibly null.</param>
    /// <returns>Zero or one reference.</returns>
    protected static IEnumerable<(string Path, JobReference Reference)> ReferenceOf(string path, ModelSpec? model) =>
        model?.FromJob is { } reference ? [(path + ".fromJob", reference)] : [];
}
