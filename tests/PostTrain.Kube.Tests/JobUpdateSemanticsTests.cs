using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Testing;

namespace PostTrain.Kube.Tests;

/// <summary>
/// batch/v1 Job updates as kube-apiserver validates them (the pod template is immutable except the scheduling
/// directives of a suspended Job that never started), and the verb/resource classification of recorded requests.
/// </summary>
public sealed class JobUpdateSemanticsTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private KubernetesClient Client => fixture.Client;

    private static V1Job NewJob(string name, string ns, bool suspend) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1JobSpec
        {
            Suspend = suspend,
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>() { ["app"] = "a" } },
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "img:1" }], NodeSelector = new Dictionary<string, string>() { ["pool"] = "a" } },
            },
        },
    };

    [Fact]
    public async Task A_suspended_job_that_never_started_may_change_its_scheduling_directives_only()
    {
        var ns = fixture.NewNamespace();
        await Client.Jobs.CreateAsync(NewJob("j", ns, suspend: true));

        var updated = await Client.Jobs.UpdateAsync("j", j =>
        {
            j.Spec.Template.Spec.NodeSelector = new Dictionary<string, string>() { ["pool"] = "b" };
            j.Spec.Template.Spec.Tolerations = [new V1Toleration { Key = "spot", OperatorProperty = "Exists" }];
            j.Spec.Template.Spec.Affinity = new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector() } };
            j.Spec.Template.Metadata!.Labels!["extra"] = "x";
        }, ns);
        updated.Spec.Template.Spec.NodeSelector!["pool"].ShouldBe("b");

        var image = await Should.ThrowAsync<KubernetesApiException>(() => Client.Jobs.UpdateAsync("j", j => j.Spec.Template.Spec.Containers[0].Image = "img:2", ns));
        image.IsInvalid.ShouldBeTrue();
        image.Status!.Message!.ShouldContain("spec.template");
        image.Status.Message!.ShouldContain("field is immutable");

        var podAffinity = await Should.ThrowAsync<KubernetesApiException>(() => Client.Jobs.UpdateAsync("j", j => j.Spec.Template.Spec.Affinity = new V1Affinity { PodAffinity = new V1PodAffinity() }, ns));
        podAffinity.IsInvalid.ShouldBeTrue();
    }

    [Fact]
    public async Task A_running_or_once_started_job_keeps_its_pod_template()
    {
        var ns = fixture.NewNamespace();
        await Client.Jobs.CreateAsync(NewJob("running", ns, suspend: false));
        var running = await Should.ThrowAsync<KubernetesApiException>(() => Client.Jobs.UpdateAsync("running", j => j.Spec.Template.Spec.NodeSelector = new Dictionary<string, string>() { ["pool"] = "b" }, ns));
        running.IsInvalid.ShouldBeTrue();
        running.Status!.Message!.ShouldContain("spec.template");

        // Suspended after it started: status.startTime is still set, so the template stays immutable until it is cleared.
        await Client.Jobs.CreateAsync(NewJob("started", ns, suspend: true));
        await Client.Jobs.UpdateAsync("started", j => (j.Status ??= new V1JobStatus()).StartTime = DateTime.UtcNow, ns, status: true);
        (await Should.ThrowAsync<KubernetesApiException>(() => Client.Jobs.UpdateAsync("started", j => j.Spec.Template.Spec.NodeSelector = new Dictionary<string, string>() { ["pool"] = "b" }, ns))).IsInvalid.ShouldBeTrue();
        await Client.Jobs.UpdateAsync("started", j => j.Status!.StartTime = null, ns, status: true);
        (await Client.Jobs.UpdateAsync("started", j => j.Spec.Template.Spec.NodeSelector = new Dictionary<string, string>() { ["pool"] = "b" }, ns)).Spec.Template.Spec.NodeSelector!["pool"].ShouldBe("b");

        // Always mutable: suspend, parallelism, backoffLimit, activeDeadlineSeconds, labels.
        var changed = await Client.Jobs.UpdateAsync("running", j =>
        {
            j.Spec.Suspend = true;
            j.Spec.BackoffLimit = 7;
            j.Spec.ActiveDeadlineSeconds = 60;
            j.Metadata.Labels = new Dictionary<string, string>() { ["kueue.x-k8s.io/queue-name"] = "q" };
        }, ns);
        changed.Spec.BackoffLimit.ShouldBe(7);
        (await Should.ThrowAsync<KubernetesApiException>(() => Client.Jobs.UpdateAsync("running", j => j.Spec.CompletionMode = "Indexed", ns))).IsInvalid.ShouldBeTrue();
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/ns/pods", "?watch=1&resourceVersion=5", "watch", "pods")]
    [InlineData("GET", "/api/v1/namespaces/ns/pods", "?limit=500", "list", "pods")]
    [InlineData("GET", "/apis/batch/v1/namespaces/ns/jobs/x", "", "get", "jobs.batch")]
    [InlineData("POST", "/api/v1/namespaces/ns/configmaps", "", "create", "configmaps")]
    [InlineData("PUT", "/apis/posttrain.dev/v1alpha1/namespaces/ns/sftjobs/x/status", "", "update", "sftjobs.posttrain.dev/status")]
    [InlineData("PATCH", "/apis/events.k8s.io/v1/namespaces/ns/events/e", "", "patch", "events.events.k8s.io")]
    [InlineData("DELETE", "/api/v1/namespaces/ns/pods", "", "deletecollection", "pods")]
    [InlineData("DELETE", "/api/v1/namespaces/ns", "", "delete", "namespaces")]
    [InlineData("GET", "/apis", "", "get", null)]
    public void Recorded_requests_name_their_verb_and_resource(string method, string path, string query, string verb, string? resource)
    {
        var request = new RecordedRequest(method, path, query, null, null);
        request.Verb.ShouldBe(verb);
        request.Resource.ShouldBe(resource);
    }
}
