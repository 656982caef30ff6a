using PostTrain.Shipping.Tests.Helm;
using PostTrain.Shipping.Tests.Rbac;
using Xunit.Abstractions;

namespace PostTrain.Shipping.Tests;

/// <summary>
/// The chart's RBAC against what the operator does: the operator runs a job's whole life against the test API
/// server (see <see cref="OperatorScenario"/>), every request it sends must be allowed by the rendered Roles of its
/// ServiceAccount, and every verb the chart grants must be one of those requests or listed in
/// <see cref="OperatorPermissions.NotSeenInScenario"/> with its reason.
/// </summary>
public sealed class RbacTests(ITestOutputHelper output)
{
    private const string Release = "posttrain-system";
    private const string ServiceAccount = "pt-posttrain";

    [Fact]
    public async Task Cluster_wide_every_request_the_operator_sends_is_allowed_and_every_granted_verb_is_used()
    {
        var chart = await RenderedChart.RenderAsync();
        var policy = RbacPolicy.For(chart, ServiceAccount, Release);
        var run = await OperatorScenario.RunAsync(Release, "team-a", []);
        foreach (var line in run.Requests.Select(r => $"{r.Verb} {r.ApiGroup}/{r.RbacResource}{(r.Namespace is null ? " (all namespaces)" : "")}").Distinct().Order(StringComparer.Ordinal))
        {
            output.WriteLine(line);
        }

        ShouldAllowEverything(policy, run.Requests);
        ShouldGrantOnlyWhatIsUsed(policy, run.Requests);
        policy.ByNamespace.Keys.ShouldBe([Release], "only leader election is namespaced in a cluster-wide install");
    }

    [Fact]
    public async Task Per_namespace_the_operator_gets_roles_in_the_watched_namespaces_only()
    {
        var chart = await RenderedChart.RenderAsync(sets: ["watchNamespaces={team-a,team-b}"]);
        var policy = RbacPolicy.For(chart, ServiceAccount, Release);
        var run = await OperatorScenario.RunAsync(Release, "team-a", ["team-a", "team-b"]);

        policy.ClusterWide.ShouldBeEmpty("watching namespaces needs no ClusterRole");
        chart.OfKind("ClusterRoleBinding").ShouldBeEmpty();
        policy.ByNamespace.Keys.Order(StringComparer.Ordinal).ShouldBe(["posttrain-system", "team-a", "team-b"]);
        ShouldAllowEverything(policy, run.Requests);
        ShouldGrantOnlyWhatIsUsed(policy, run.Requests);
        policy.Allows(new ApiRequestAttributes("list", "posttrain.dev", "sftjobs", null, "team-c", null)).ShouldBeFalse("an unwatched namespace");
        policy.Allows(new ApiRequestAttributes("get", "coordination.k8s.io", "leases", null, "team-a", "posttrain-operator")).ShouldBeFalse("leases only in the release namespace");
    }

    [Fact]
    public async Task The_operator_gets_no_wildcards_no_secrets_and_no_escalation()
    {
        foreach (var sets in new[] { Array.Empty<string>(), ["watchNamespaces={team-a}"] })
        {
            var chart = await RenderedChart.RenderAsync(sets: sets);
            var policy = RbacPolicy.For(chart, ServiceAccount, Release);
            foreach (var rule in policy.AllRules)
            {
                rule.ApiGroups.ShouldNotContain("*");
                rule.Resources.ShouldNotContain("*");
                rule.Verbs.ShouldNotContain("*");
                rule.Resources.ShouldNotContain("secrets", "the worker pods read the HF token secret themselves (secretKeyRef); the operator never does");
                rule.Verbs.Intersect(["escalate", "bind", "impersonate", "deletecollection"]).ShouldBeEmpty();
                rule.Resources.ShouldNotContain(r => r.StartsWith("roles", StringComparison.Ordinal) || r.StartsWith("clusterroles", StringComparison.Ordinal) || r == "customresourcedefinitions");
            }
        }
    }

    [Fact]
    public async Task Without_leader_election_there_is_no_lease_role_and_users_get_aggregated_job_roles()
    {
        var chart = await RenderedChart.RenderAsync(sets: ["operator.replicas=1", "operator.leaderElection.enabled=false"]);
        var policy = RbacPolicy.For(chart, ServiceAccount, Release);
        policy.ByNamespace.ShouldBeEmpty();
        policy.AllRules.ShouldNotContain(r => r.ApiGroups.Contains("coordination.k8s.io"));

        var editor = chart.OfKind("ClusterRole").Single(r => ((string)r["metadata"]!["name"]!).EndsWith("-job-editor", StringComparison.Ordinal));
        ((string?)editor["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-edit"]).ShouldBe("true");
        chart.OfKind("ClusterRoleBinding").ShouldNotContain(b => ((string)b["roleRef"]!["name"]!).EndsWith("-job-editor", StringComparison.Ordinal), "aggregated roles are bound by the cluster's admin/edit roles, not by the chart");
    }

    private static void ShouldAllowEverything(RbacPolicy policy, IReadOnlyList<ApiRequestAttributes> requests)
    {
        requests.ShouldNotBeEmpty();
        var denied = requests.Where(r => !policy.Allows(r)).Select(r => r.ToString()).Distinct().ToList();
        denied.ShouldBeEmpty($"the operator sent requests the chart does not allow (add them to charts/posttrain/templates/_operator-rules.tpl):\n{string.Join('\n', denied)}");
    }

    private static void ShouldGrantOnlyWhatIsUsed(RbacPolicy policy, IReadOnlyList<ApiRequestAttributes> requests)
    {
        var used = requests.Select(r => (r.ApiGroup, OperatorPermissions.Canonical(r.RbacResource), r.Verb)).ToHashSet();
        var granted = policy.AllRules
            .SelectMany(rule => rule.ApiGroups.SelectMany(g => rule.Resources.SelectMany(res => rule.Verbs.Select(v => (g, OperatorPermissions.Canonical(res), v)))))
            .ToHashSet();

        var unused = granted.Where(g => !used.Contains(g) && !OperatorPermissions.NotSeenInScenario.ContainsKey(g)).Select(g => $"{g.Item3} {g.Item1}/{g.Item2}").ToList();
        unused.ShouldBeEmpty($"the chart grants verbs the operator never used in the scenario (remove them, or explain them in OperatorPermissions.NotSeenInScenario):\n{string.Join('\n', unused)}");
        foreach (var (key, why) in OperatorPermissions.NotSeenInScenario)
        {
            granted.ShouldContain(key, $"granted for a reason: {why}");
            used.ShouldNotContain(key, "the scenario now exercises it: drop it from NotSeenInScenario");
        }

        // One reconciler serves the three kinds: whatever is granted on one kind is granted on each.
        foreach (var rule in policy.AllRules.Where(r => r.ApiGroups.Contains("posttrain.dev")))
        {
            var suffixes = rule.Resources.Select(r => r.Contains('/', StringComparison.Ordinal) ? r[r.IndexOf('/', StringComparison.Ordinal)..] : "").Distinct().ToList();
            foreach (var suffix in suffixes)
            {
                foreach (var kind in OperatorPermissions.JobResources)
                {
                    rule.Resources.ShouldContain(kind + suffix);
                }
            }
        }
    }
}
