using System.Text.Json.Nodes;
using PostTrain.Shipping.Tests.Helm;

namespace PostTrain.Shipping.Tests.Rbac;

/// <summary>One rule of a Role or ClusterRole.</summary>
public sealed record PolicyRule(IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string> ResourceNames)
{
    /// <summary>Whether the rule covers the request, as RBAC's rule matching does ("*" wildcards included).</summary>
    public bool Allows(ApiRequestAttributes request) =>
        (ApiGroups.Contains("*") || ApiGroups.Contains(request.ApiGroup))
        && (Resources.Contains("*") || Resources.Contains(request.RbacResource))
        && (Verbs.Contains("*") || Verbs.Contains(request.Verb))
        && (ResourceNames.Count == 0 || (request.Name is not null && ResourceNames.Contains(request.Name)));

    /// <summary>Reads a rule of a rendered Role/ClusterRole.</summary>
    public static PolicyRule From(JsonNode rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        static IReadOnlyList<string> List(JsonNode? n) => n?.AsArray().Select(x => (string)x!).ToList() ?? [];
        return new PolicyRule(List(rule["apiGroups"]), List(rule["resources"]), List(rule["verbs"]), List(rule["resourceNames"]));
    }
}

/// <summary>
/// The permissions a ServiceAccount gets from a rendered chart: ClusterRoles bound by ClusterRoleBindings apply in
/// every namespace and to cluster-scoped requests; Roles (or ClusterRoles) bound by RoleBindings apply in the
/// binding's namespace. Only objects in the rendering count, as if the cluster had no other bindings.
/// </summary>
public sealed class RbacPolicy
{
    private readonly List<PolicyRule> _clusterWide = [];
    private readonly Dictionary<string, List<PolicyRule>> _byNamespace = new(StringComparer.Ordinal);

    private RbacPolicy()
    {
    }

    /// <summary>Rules that apply everywhere.</summary>
    public IReadOnlyList<PolicyRule> ClusterWide => _clusterWide;

    /// <summary>Rules that apply in one namespace, by namespace.</summary>
    public IReadOnlyDictionary<string, List<PolicyRule>> ByNamespace => _byNamespace;

    /// <summary>Every rule granted, wherever it applies.</summary>
    public IEnumerable<PolicyRule> AllRules => _clusterWide.Concat(_byNamespace.Values.SelectMany(r => r));

    /// <summary>Collects what <paramref name="serviceAccount"/> in <paramref name="serviceAccountNamespace"/> is granted.</summary>
    public static RbacPolicy For(RenderedChart chart, string serviceAccount, string serviceAccountNamespace)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var policy = new RbacPolicy();
        bool Binds(JsonObject binding) =>
            binding["subjects"]?.AsArray().Any(s => (string?)s!["kind"] == "ServiceAccount" && (string?)s["name"] == serviceAccount && (string?)s["namespace"] == serviceAccountNamespace) == true;
        IEnumerable<PolicyRule> RulesOf(string kind, string name, string? ns)
        {
            var role = chart.OfKind(kind).SingleOrDefault(r => (string?)r["metadata"]!["name"] == name && (kind == "ClusterRole" || (string?)r["metadata"]!["namespace"] == ns))
                ?? throw new InvalidOperationException($"binding refers to {kind} {ns}/{name}, which the chart does not render");
            return role["rules"]?.AsArray().Select(r => PolicyRule.From(r!)) ?? [];
        }

        foreach (var binding in chart.OfKind("ClusterRoleBinding").Where(Binds))
        {
            policy._clusterWide.AddRange(RulesOf((string)binding["roleRef"]!["kind"]!, (string)binding["roleRef"]!["name"]!, null));
        }

        foreach (var binding in chart.OfKind("RoleBinding").Where(Binds))
        {
            var ns = (string?)binding["metadata"]!["namespace"] ?? throw new InvalidOperationException("a RoleBinding without a namespace");
            var kind = (string)binding["roleRef"]!["kind"]!;
            var rules = RulesOf(kind, (string)binding["roleRef"]!["name"]!, kind == "Role" ? ns : null);
            if (!policy._byNamespace.TryGetValue(ns, out var list))
            {
                policy._byNamespace[ns] = list = [];
            }

            list.AddRange(rules);
        }

        return policy;
    }

    /// <summary>Whether the request is allowed.</summary>
    public bool Allows(ApiRequestAttributes request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _clusterWide.Any(r => r.Allows(request))
            || (request.Namespace is { } ns && _byNamespace.TryGetValue(ns, out var rules) && rules.Any(r => r.Allows(request)));
    }
}
