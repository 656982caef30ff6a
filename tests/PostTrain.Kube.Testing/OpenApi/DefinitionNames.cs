using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace PostTrain.Kube.Testing.OpenApi;

/// <summary>
/// Names the KubernetesClient models as kube-apiserver names its OpenAPI definitions: the Go package and type
/// ("io.k8s.api.apps.v1.Deployment", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"). The C# names carry the
/// version ("V1PodSpec") and only sometimes the package ("Corev1Event"), so a type without one takes the package
/// of the first kind that reaches it: apimachinery's meta types first, then the core kinds, then the other groups.
/// </summary>
internal static partial class DefinitionNames
{
    /// <summary>The definition names of the types every document refers to.</summary>
    public const string ObjectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

    /// <summary>The list metadata definition.</summary>
    public const string ListMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

    /// <summary>The body of DELETE requests.</summary>
    public const string DeleteOptions = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";

    /// <summary>The result of a delete and every error.</summary>
    public const string Status = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";

    /// <summary>The body of PATCH requests.</summary>
    public const string Patch = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

    /// <summary>Timestamps (C# DateTime).</summary>
    public const string Time = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";

    /// <summary>Int-or-string fields (ports, percentages).</summary>
    public const string IntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

    /// <summary>Resource quantities ("500m", "1Gi").</summary>
    public const string Quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";

    private const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta";

    // apimachinery's meta/v1 types among the models (they carry no package in their C# names).
    private static readonly HashSet<string> MetaTypes =
    [
        "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry",
        "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "Condition", "WatchEvent",
        "APIResource", "APIResourceList", "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery",
        "ServerAddressByClientCIDR", "FieldSelectorRequirement",
    ];

    private static readonly Lazy<IReadOnlyDictionary<Type, string>> Packages = new(AssignPackages);

    /// <summary>The kinds among the models, by group, version and kind.</summary>
    public static IReadOnlyDictionary<(string Group, string Version, string Kind), Type> Kinds { get; } = typeof(V1Pod).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == "k8s.Models" && t.IsClass)
        .Select(t => (Type: t, Entity: t.GetCustomAttribute<KubernetesEntityAttribute>()))
        .Where(e => e.Entity is not null)
        .GroupBy(e => (e.Entity!.Group ?? "", e.Entity.ApiVersion, e.Entity.Kind))
        .ToDictionary(g => g.Key, g => g.First().Type);

    /// <summary>The definition name of a model type.</summary>
    public static string Of(Type type)
    {
        if (type == typeof(IntOrString))
        {
            return IntOrString;
        }

        if (type == typeof(ResourceQuantity))
        {
            return Quantity;
        }

        var (version, name) = Split(type);
        var package = Packages.Value.GetValueOrDefault(type) ?? "io.k8s.api.unknown";
        return $"{package}.{version}.{name}";
    }

    /// <summary>The Go package prefix (without version) of an API group's types.</summary>
    public static string PackageOfGroup(string group) => group switch
    {
        "" => "io.k8s.api.core",
        "apiextensions.k8s.io" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
        "apiregistration.k8s.io" => "io.k8s.kube-aggregator.pkg.apis.apiregistration",
        "internal.apiserver.k8s.io" => "io.k8s.api.apiserverinternal",
        _ => "io.k8s.api." + group.Split('.')[0],
    };

    /// <summary>The model types a property of this type refers to (list items and map values included).</summary>
    public static IEnumerable<Type> Referenced(Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is null)
            {
                continue;
            }

            var element = ModelSchemas.ElementType(property.PropertyType);
            if (ModelSchemas.IsModel(element))
            {
                yield return element;
            }
        }
    }

    private static (string Version, string Name) Split(Type type)
    {
        var match = ModelName().Match(type.Name);
        return match.Success
            ? (match.Groups["version"].Value.ToLowerInvariant(), match.Groups["name"].Value)
            : ("v1", type.Name);
    }

    private static Dictionary<Type, string> AssignPackages()
    {
        var packages = new Dictionary<Type, string>();
        var models = typeof(V1Pod).Assembly.GetExportedTypes().Where(ModelSchemas.IsModel).ToList();

        // Names that carry their package ("Corev1Event", "Apiextensionsv1ServiceReference").
        foreach (var type in models)
        {
            var match = ModelName().Match(type.Name);
            if (match.Success && match.Groups["package"].Success)
            {
                var package = match.Groups["package"].Value.ToLowerInvariant();
                packages[type] = package switch
                {
                    "apiextensions" => PackageOfGroup("apiextensions.k8s.io"),
                    "apiregistration" => PackageOfGroup("apiregistration.k8s.io"),
                    _ => "io.k8s.api." + package,
                };
            }
        }

        var seeds = new List<(Type Type, string Package)>();
        seeds.AddRange(models.Where(t => Split(t) is ("v1", var n) && MetaTypes.Contains(n) && !ModelName().Match(t.Name).Groups["package"].Success).Select(t => (t, MetaPackage)));
        seeds.AddRange(Kinds.OrderBy(k => k.Key.Group.Length == 0 ? 0 : 1).ThenBy(k => k.Key.Group, StringComparer.Ordinal).ThenBy(k => k.Key.Kind, StringComparer.Ordinal)
            .Select(k => (k.Value, PackageOfGroup(k.Key.Group))));

        // A Go package holds one version, so a kind passes its package on only to types of its own version; a
        // type of another version waits for a kind of that version. A second pass lends the leftovers a package.
        var visited = new HashSet<Type>();
        foreach (var (seed, package) in seeds)
        {
            if (visited.Add(seed))
            {
                Spread(seed, package, sameVersionOnly: true);
            }
        }

        foreach (var type in models.Where(visited.Contains).ToList())
        {
            Spread(type, packages[type], sameVersionOnly: false);
        }

        return packages;

        void Spread(Type from, string package, bool sameVersionOnly)
        {
            var queue = new Queue<(Type Type, string Package)>([(from, package)]);
            while (queue.TryDequeue(out var item))
            {
                var own = packages.TryGetValue(item.Type, out var named) ? named : packages[item.Type] = item.Package;
                var version = Split(item.Type).Version;
                foreach (var next in Referenced(item.Type))
                {
                    if ((!sameVersionOnly || Split(next).Version == version) && visited.Add(next))
                    {
                        queue.Enqueue((next, own));
                    }
                }
            }
        }
    }

    [GeneratedRegex(@"^(?<package>[A-Z][a-z]+)?(?<version>[Vv]\d+(?:alpha\d+|beta\d+)?)(?<name>[A-Z]\w*)$")]
    private static partial Regex ModelName();
}
