using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.Kube.Tests;

/// <summary>A custom kind for tests (example.com/v1 Widget).</summary>
[KubernetesEntity(Group = "example.com", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : CustomResource<WidgetSpec, WidgetStatus>
{
    public static V1CustomResourceDefinition Definition() => new()
    {
        Metadata = new V1ObjectMeta { Name = "widgets.example.com" },
        Spec = new V1CustomResourceDefinitionSpec
        {
            Group = "example.com",
            Scope = "Namespaced",
            Names = new V1CustomResourceDefinitionNames { Plural = "widgets", Singular = "widget", Kind = "Widget" },
            Versions =
            [
                new V1CustomResourceDefinitionVersion
                {
                    Name = "v1",
                    Served = true,
                    Storage = true,
                    Subresources = new V1CustomResourceSubresources { Status = new object() },
                },
            ],
        },
    };

    public static Widget New(string name, string ns, int size = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new WidgetSpec { Size = size },
    };
}

public sealed class WidgetSpec
{
    public int Size { get; set; }

    public string? Color { get; set; }
}

public sealed class WidgetStatus
{
    public string? Phase { get; set; }

    public long? ObservedGeneration { get; set; }
}
