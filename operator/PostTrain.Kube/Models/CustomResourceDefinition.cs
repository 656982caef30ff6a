using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace PostTrain.Kube.Models;

/// <summary>apiextensions.k8s.io/v1 CustomResourceDefinition.</summary>
[KubernetesEntity(Group = "apiextensions.k8s.io", ApiVersion = "v1", Kind = "CustomResourceDefinition", PluralName = "customresourcedefinitions", Namespaced = false)]
public sealed class CustomResourceDefinition : KubernetesObject
{
    /// <summary>The definition.</summary>
    public CustomResourceDefinitionSpec Spec { get; set; } = new();

    /// <summary>Status (conditions such as Established), kept as JSON.</summary>
    public JsonObject? Status { get; set; }
}

/// <summary>The CRD spec.</summary>
public sealed class CustomResourceDefinitionSpec
{
    /// <summary>API group.</summary>
    public string Group { get; set; } = "";

    /// <summary>Names.</summary>
    public CustomResourceDefinitionNames Names { get; set; } = new();

    /// <summary>Namespaced or Cluster.</summary>
    public string Scope { get; set; } = "Namespaced";

    /// <summary>Versions.</summary>
    public List<CustomResourceDefinitionVersion> Versions { get; set; } = [];

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>CRD names.</summary>
public sealed class CustomResourceDefinitionNames
{
    /// <summary>Plural.</summary>
    public string Plural { get; set; } = "";

    /// <summary>Singular.</summary>
    public string? Singular { get; set; }

    /// <summary>Kind.</summary>
    public string Kind { get; set; } = "";

    /// <summary>List kind.</summary>
    public string? ListKind { get; set; }

    /// <summary>Short names.</summary>
    public List<string>? ShortNames { get; set; }

    /// <summary>Categories (kubectl get CATEGORY).</summary>
    public List<string>? Categories { get; set; }
}

/// <summary>One served version of a CRD.</summary>
public sealed class CustomResourceDefinitionVersion
{
    /// <summary>Version name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Served.</summary>
    public bool Served { get; set; } = true;

    /// <summary>The storage version.</summary>
    public bool Storage { get; set; }

    /// <summary>Validation schema ({"openAPIV3Schema": ...}).</summary>
    public JsonObject? Schema { get; set; }

    /// <summary>Subresources ({"status": {}}).</summary>
    public JsonObject? Subresources { get; set; }

    /// <summary>Printer columns.</summary>
    public JsonArray? AdditionalPrinterColumns { get; set; }

    /// <summary>Fields not declared here.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
