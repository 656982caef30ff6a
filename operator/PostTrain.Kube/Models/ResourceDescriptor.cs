using System.Collections.Concurrent;
using System.Reflection;

namespace PostTrain.Kube.Models;

/// <summary>Where a kind is served: group, version, plural and scope.</summary>
/// <param name="Group">API group ("" for core).</param>
/// <param name="Version">API version.</param>
/// <param name="Plural">Plural resource name.</param>
/// <param name="Kind">Kind.</param>
/// <param name="Namespaced">Whether objects live in a namespace.</param>
public sealed record ResourceDescriptor(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    private static readonly ConcurrentDictionary<Type, ResourceDescriptor> Cache = new();

    /// <summary>"v1" or "group/version".</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The descriptor a model declares with <see cref="KubernetesEntityAttribute"/>.</summary>
    public static ResourceDescriptor For<T>() => For(typeof(T));

    /// <summary>The descriptor a model type declares with <see cref="KubernetesEntityAttribute"/>.</summary>
    public static ResourceDescriptor For(Type type) => Cache.GetOrAdd(type, t =>
    {
        var attribute = t.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new InvalidOperationException($"{t.FullName} has no [KubernetesEntity] attribute; add one naming its group, version, kind and plural, or pass a ResourceDescriptor explicitly.");
        return new ResourceDescriptor(attribute.Group, attribute.ApiVersion, attribute.PluralName, attribute.Kind, attribute.Namespaced);
    });

    /// <summary>The collection path, e.g. /apis/batch/v1/namespaces/ns/jobs.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns) ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    /// <summary>The path of one object, optionally a subresource of it.</summary>
    public string ObjectPath(string? ns, string name, string? subresource = null) =>
        CollectionPath(ns) + "/" + Uri.EscapeDataString(name) + (subresource is null ? "" : "/" + subresource);
}
