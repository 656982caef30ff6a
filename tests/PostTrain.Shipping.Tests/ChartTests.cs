using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Loading;
using PostTrain.Operator.Hosting;
using PostTrain.Operator.Rendering;
using PostTrain.Shipping.Tests.Helm;

namespace PostTrain.Shipping.Tests;

/// <summary>helm lint and helm template of the chart with the default and several non-default values files.</summary>
public sealed class ChartTests
{
    public static TheoryData<string?> ValuesFiles() => new() { null, "namespaced.yaml", "monitoring.yaml", "minimal.yaml" };

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Helm_lint_passes_in_strict_mode(string? values)
    {
        var args = new List<string> { "lint", HelmRunner.ChartDirectory, "--strict", "--namespace", "posttrain-system" };
        if (values is not null)
        {
            args.AddRange(["--values", RenderedChart.ValuesFile(values)]);
        }

        var result = await HelmRunner.RunAsync([.. args]);
        result.ExitCode.ShouldBe(0, result.StandardOutput + result.StandardError);
        result.StandardOutput.ShouldContain("0 chart(s) failed");
    }

    [Fact]
    public async Task The_defaults_render_a_cluster_wide_operator_with_two_replicas_and_leader_election()
    {
        var chart = await RenderedChart.RenderAsync();
        chart.Objects.Select(o => (string)o["kind"]!).Order(StringComparer.Ordinal).ShouldBe(
        [
            "ClusterRole", "ClusterRole", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "PodDisruptionBudget", "Role", "RoleBinding", "Service", "ServiceAccount",
        ]);
        var deployment = chart.Single("Deployment");
        ((long)deployment["spec"]!["replicas"]!).ShouldBe(2L);
        var config = OperatorConfig(deployment);
        config.Namespaces.ShouldBeEmpty();
        config.LeaderElect.ShouldBeTrue();
        config.LeaseName.ShouldBe("posttrain-operator");
        config.LeaseNamespace.ShouldBe("posttrain-system");
        config.WorkerImage.ShouldBe("ghcr.io/posttrain/posttrain-worker:0.1.0");
        config.GpuResourceName.ShouldBe("nvidia.com/gpu");
        config.Concurrency.ShouldBe(2);
        config.Port.ShouldBe(8080);
        ((string)Container(deployment)["image"]!).ShouldBe("ghcr.io/posttrain/posttrain-operator:0.1.0");
        chart.OfKind("ServiceMonitor").ShouldBeEmpty();
        chart.OfKind("PodMonitor").ShouldBeEmpty();
    }

    [Fact]
    public async Task Per_namespace_values_reach_the_operator_and_the_monitors()
    {
        var chart = await RenderedChart.RenderAsync(["namespaced.yaml"]);
        var deployment = chart.Single("Deployment");
        var config = OperatorConfig(deployment);
        config.Namespaces.ShouldBe(["team-a", "team-b"], "duplicates dropped");
        config.LeaderElect.ShouldBeFalse();
        config.WorkerImage.ShouldBe("registry.example.com/posttrain/worker:0.1.0-cu124");
        config.GpuResourceName.ShouldBe("amd.com/gpu");
        ((string)Container(deployment)["image"]!).ShouldBe("registry.example.com/posttrain/operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        chart.OfKind("PodDisruptionBudget").ShouldBeEmpty("one replica");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        ((string?)pod["nodeSelector"]!["node-role.kubernetes.io/control-plane"]).ShouldBe("");
        ((string?)pod["tolerations"]![0]!["key"]).ShouldBe("node-role.kubernetes.io/control-plane");
        ((string?)Container(deployment)["resources"]!["limits"]!["memory"]).ShouldBe("256Mi");

        var serviceMonitor = chart.Single("ServiceMonitor");
        ((string?)serviceMonitor["metadata"]!["labels"]!["release"]).ShouldBe("kube-prometheus-stack");
        var podMonitor = chart.Single("PodMonitor");
        podMonitor["spec"]!["namespaceSelector"]!["matchNames"]!.AsArray().Select(n => (string)n!).ShouldBe(["team-a", "team-b"]);
        var dashboard = chart.OfKind("ConfigMap").Single();
        ((string?)dashboard["metadata"]!["namespace"]).ShouldBe("monitoring");
        ((string?)dashboard["metadata"]!["annotations"]!["grafana_folder"]).ShouldBe("PostTrain");
    }

    [Fact]
    public async Task Monitoring_values_render_three_spread_replicas_and_extra_env()
    {
        var chart = await RenderedChart.RenderAsync(["monitoring.yaml"]);
        var deployment = chart.Single("Deployment");
        ((long)deployment["spec"]!["replicas"]!).ShouldBe(3L);
        OperatorConfig(deployment).Concurrency.ShouldBe(4);
        ((string)Container(deployment)["image"]!).ShouldEndWith(":0.2.0");
        Env(deployment).ShouldContainKeyAndValue("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.monitoring:4317");
        Env(deployment).ShouldContainKeyAndValue("Logging__LogLevel__Default", "Debug");
        deployment["spec"]!["template"]!["spec"]!["affinity"]!["podAntiAffinity"].ShouldNotBeNull();
        ((string?)chart.Single("ServiceMonitor")["spec"]!["endpoints"]![0]!["interval"]).ShouldBe("15s");
        chart.Single("PodMonitor")["spec"]!["namespaceSelector"]!["any"]!.GetValue<bool>().ShouldBeTrue();
        chart.OfKind("ClusterRole").Count.ShouldBe(1, "no aggregated user roles");
    }

    [Fact]
    public async Task Minimal_values_use_an_existing_service_account_and_render_no_rbac_service_or_dashboard()
    {
        var chart = await RenderedChart.RenderAsync(["minimal.yaml"]);
        chart.Objects.Select(o => (string)o["kind"]!).Order(StringComparer.Ordinal).ShouldBe(["Deployment", "PodDisruptionBudget"]);
        ((string?)chart.Single("Deployment")["spec"]!["template"]!["spec"]!["serviceAccountName"]).ShouldBe("posttrain-preexisting");
    }

    [Fact]
    public async Task The_monitors_select_what_exists()
    {
        var chart = await RenderedChart.RenderAsync(["monitoring.yaml"]);
        var deployment = chart.Single("Deployment");
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var service = chart.Single("Service");
        foreach (var (key, value) in service["spec"]!["selector"]!.AsObject())
        {
            ((string?)podLabels[key]).ShouldBe((string?)value, $"the metrics Service selects the operator pods by {key}");
        }

        var servicePort = (string)service["spec"]!["ports"]![0]!["name"]!;
        ((string)service["spec"]!["ports"]![0]!["targetPort"]!).ShouldBe((string)Container(deployment)["ports"]![0]!["name"]!);
        var serviceMonitor = chart.Single("ServiceMonitor");
        ((string)serviceMonitor["spec"]!["endpoints"]![0]!["port"]!).ShouldBe(servicePort);
        foreach (var (key, value) in serviceMonitor["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            ((string?)service["metadata"]!["labels"]![key]).ShouldBe((string?)value);
        }

        // The PodMonitor against a worker pod as the operator renders it.
        var job = JobManifestLoader.Load(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "examples", "sft-gsm8k.yaml"))).Single();
        job.Metadata.Namespace = "team-a";
        var owner = new PostTrain.Operator.Resources.JobResource { ApiVersion = job.ApiVersion, Kind = job.Kind, Metadata = new V1ObjectMeta { Name = job.Metadata.Name, NamespaceProperty = "team-a", Uid = "6f1c2a7e-0000-4000-8000-000000000001" } };
        var workload = new WorkloadRenderer(new WorkloadOptions()).Render(job, owner);
        var template = workload.Job.Spec.Template;
        var podMonitor = chart.Single("PodMonitor")["spec"]!;
        var required = podMonitor["selector"]!["matchExpressions"]![0]!;
        ((string)required["operator"]!).ShouldBe("Exists");
        template.Metadata!.Labels!.ShouldContainKey((string)required["key"]!);
        var port = (string)podMonitor["podMetricsEndpoints"]![0]!["port"]!;
        template.Spec.Containers.Single(c => c.Name == ChildNames.WorkerContainer).Ports!.ShouldContain(p => p.Name == port && p.ContainerPort == ChildNames.WorkerPort);
        podMonitor["podMetricsEndpoints"]![0]!["honorLabels"]!.GetValue<bool>().ShouldBeTrue("the worker's job/namespace labels name the PostTrain job");
    }

    [Fact]
    public async Task Every_pod_runs_non_root_with_a_read_only_root_filesystem_and_no_capabilities()
    {
        foreach (var values in new[] { null, "namespaced.yaml", "monitoring.yaml", "minimal.yaml" })
        {
            var chart = await RenderedChart.RenderAsync(values is null ? null : [values]);
            foreach (var (owner, pod) in chart.PodSpecs())
            {
                var where = $"{owner} ({values ?? "defaults"})";
                var podContext = pod["securityContext"]!;
                podContext["runAsNonRoot"]!.GetValue<bool>().ShouldBeTrue(where);
                ((long)podContext["runAsUser"]!).ShouldBeGreaterThan(0L, where);
                ((string?)podContext["seccompProfile"]!["type"]).ShouldBe("RuntimeDefault", where);
                pod["hostNetwork"].ShouldBeNull(where);
                pod["hostPID"].ShouldBeNull(where);
                foreach (var container in pod["containers"]!.AsArray())
                {
                    var context = container!["securityContext"]!;
                    context["allowPrivilegeEscalation"]!.GetValue<bool>().ShouldBeFalse(where);
                    context["readOnlyRootFilesystem"]!.GetValue<bool>().ShouldBeTrue(where);
                    context["privileged"]!.GetValue<bool>().ShouldBeFalse(where);
                    context["capabilities"]!["drop"]!.AsArray().Select(c => (string)c!).ShouldBe(["ALL"], where);
                    context["capabilities"]!["add"].ShouldBeNull(where);
                    container["volumeMounts"]!.AsArray().ShouldContain(m => (string)m!["mountPath"]! == "/tmp", $"{where}: a writable /tmp beside the read-only root");
                    container["resources"]!["limits"]!["memory"].ShouldNotBeNull(where);
                }
            }
        }
    }

    [Fact]
    public async Task Every_object_is_labelled_and_namespaced_where_it_should_be()
    {
        var chart = await RenderedChart.RenderAsync(["namespaced.yaml"]);
        var clusterScoped = new[] { "ClusterRole", "ClusterRoleBinding" };
        foreach (var o in chart.Objects)
        {
            var kind = (string)o["kind"]!;
            var meta = o["metadata"]!;
            ((string?)meta["labels"]!["app.kubernetes.io/instance"]).ShouldBe("pt", kind);
            ((string?)meta["labels"]!["app.kubernetes.io/managed-by"]).ShouldBe("Helm", kind);
            if (clusterScoped.Contains(kind))
            {
                meta["namespace"].ShouldBeNull(kind);
            }
            else
            {
                ((string?)meta["namespace"]).ShouldNotBeNullOrEmpty(kind);
            }
        }
    }

    [Fact]
    public async Task The_install_notes_name_the_deployment_the_namespaces_and_the_crd_upgrade_step()
    {
        var cluster = (await HelmRunner.RunAsync("install", "pt", HelmRunner.ChartDirectory, "--dry-run=client", "--namespace", "posttrain-system")).EnsureSuccess("install --dry-run=client");
        var notes = cluster.StandardOutput[cluster.StandardOutput.IndexOf("NOTES:", StringComparison.Ordinal)..];
        notes.ShouldContain("deployment/pt-posttrain-operator");
        notes.ShouldContain("in every namespace");
        notes.ShouldContain("kubectl apply --server-side -f charts/posttrain/crds/");

        var namespaced = (await HelmRunner.RunAsync("install", "pt", HelmRunner.ChartDirectory, "--dry-run=client", "--namespace", "posttrain-system", "--values", RenderedChart.ValuesFile("namespaced.yaml"))).EnsureSuccess("install --dry-run=client");
        namespaced.StandardOutput.ShouldContain("in team-a, team-b.");
        namespaced.StandardOutput.ShouldContain("PodMonitor pt-posttrain-workers");
    }

    [Theory]
    [InlineData("operator.replicas=3,operator.leaderElection.enabled=false", "needs operator.leaderElection.enabled")]
    [InlineData("operator.replicas=0", "/operator/replicas")]
    [InlineData("operator.repliccas=2", "repliccas")]
    [InlineData("worker.gpuResourceName=nvidia gpu", "/worker/gpuResourceName")]
    [InlineData("watchNamespaces={Team_A}", "/watchNamespaces/0")]
    [InlineData("operator.logLevel=Verbose", "/operator/logLevel")]
    [InlineData("metrics.service.enabled=false,metrics.serviceMonitor.enabled=true", "needs metrics.service.enabled")]
    [InlineData("metrics.podMonitor.interval=15 seconds", "/metrics/podMonitor/interval")]
    public async Task Bad_values_fail_with_a_message_naming_the_value(string set, string expected)
    {
        var result = await HelmRunner.TemplateAsync(sets: [set]);
        result.ExitCode.ShouldNotBe(0, $"--set {set} rendered:\n{result.StandardOutput}");
        result.StandardError.ShouldContain(expected);
    }

    private static JsonObject Container(JsonObject deployment) => deployment["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject();

    private static Dictionary<string, string> Env(JsonObject deployment) =>
        Container(deployment)["env"]!.AsArray()
            .Where(e => e!["value"] is not null)
            .ToDictionary(e => (string)e!["name"]!, e => (string)e!["value"]!, StringComparer.Ordinal);

    /// <summary>The operator's own parser applied to the container's args and env (fieldRefs resolved as the kubelet would).</summary>
    private static OperatorConfiguration OperatorConfig(JsonObject deployment)
    {
        var container = Container(deployment);
        var args = container["args"]?.AsArray().Select(a => (string)a!).ToList() ?? [];
        var env = Env(deployment);
        foreach (var e in container["env"]!.AsArray().Where(e => e!["valueFrom"] is not null))
        {
            var path = (string)e!["valueFrom"]!["fieldRef"]!["fieldPath"]!;
            env[(string)e["name"]!] = path switch
            {
                "metadata.namespace" => (string)deployment["metadata"]!["namespace"]!,
                "metadata.name" => "pt-posttrain-operator-0",
                _ => throw new InvalidOperationException($"unexpected fieldRef {path}"),
            };
        }

        var config = OperatorConfiguration.Parse(args, n => env.GetValueOrDefault(n));
        config.Identity.ShouldBe("pt-posttrain-operator-0", "POD_NAME names the replica in the Lease");
        return config;
    }
}
