using System.Text.Json.Nodes;
using PostTrain.Api.Schema;

namespace PostTrain.Api.Model;

/// <summary>An environment variable of the worker container (core/v1 EnvVar).</summary>
public sealed class EnvVar
{
    /// <summary>The variable name.</summary>
    [Required]
    [Pattern("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    public string Name { get; set; } = "";

    /// <summary>The value.</summary>
    public string? Value { get; set; }

    /// <summary>A core/v1 EnvVarSource (secretKeyRef, configMapKeyRef, fieldRef, ...), passed through unchanged; cluster only.</summary>
    [PreserveUnknownFields]
    public JsonObject? ValueFrom { get; set; }
}
