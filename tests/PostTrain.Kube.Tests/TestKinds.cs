using PostTrain.Kube.Models;

namespace PostTrain.Kube.Tests;

/// <summary>A custom kind for tests (example.com/v1 Widget).</summary>
[KubernetesEntity(Group = "example.com", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
public sealed class Widget : CustomResource<WidgetSpec, WidgetStatus>
{
    public static CustomResourceDefinition Definition() => new()
    {
        Metadata = new ObjectMeta { Name = "widgets.example.com" },
        Spec = new CustomResourceDefinitionSpec
        {
            Group = "example.com",
            Scope = "Namespaced",
            Names = new CustomResourceDefinitionNames { Plural = "widgets", Singular = "widget", Kind = "Widget" },
            Versions =
            [
                new CustomResourceDefinitionVersion
                {
                    Name = "v1",
                    Served = true,
                    Storage = true,
                    Subresources = new System.Text.Json.Nodes.JsonObject { ["status"] = new System.Text.Json.Nodes.JsonObject() },
                },
            ],
        },
    };

    public static Widget New(string name, string ns, int size = 1) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
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
