using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>
/// The real posttrain-worker in the pods of an Indexed Job shaped as the operator renders a two-node job: job.json
/// from a ConfigMap, the output on a claim, ranks from the completion index, and the Gloo rendezvous at
/// <c>JOB-0.SERVICE</c>. Two steps of the built-in tiny model.
/// </summary>
[Collection(ClusterDefinition.Name)]
public sealed class WorkerPodTests(ClusterFixture cluster)
{
    private const string Manifest = """
        {"apiVersion": "posttrain.dev/v1alpha1", "kind": "SftJob", "metadata": {"name": "tiny"},
         "spec": {"seed": 3, "model": {"source": "builtin://tiny"},
                  "dataset": {"source": "builtin://arithmetic?split=sft&count=16", "format": "gsm8k"},
                  "output": {"uri": "pvc://out/tiny"},
                  "training": {"maxSteps": 2, "batchSize": 8, "microBatchSize": 4, "learningRate": 3e-3, "maxSeqLength": 64, "logEverySteps": 1, "precision": "fp32"}}}
        """;

    [Fact]
    public async Task Two_worker_pods_train_together_over_Gloo_and_rank_0_reports_its_checkpoint_on_the_claim()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.ConfigMaps.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "train-config", NamespaceProperty = ns }, Data = new Dictionary<string, string>() { ["job.json"] = Manifest } });
        await cluster.Client.PersistentVolumeClaims.CreateAsync(Manifests.Claim(ns, "out"));
        await cluster.Client.Services.CreateAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "train-workers", NamespaceProperty = ns },
            Spec = new V1ServiceSpec { ClusterIP = "None", Selector = new Dictionary<string, string>() { ["batch.kubernetes.io/job-name"] = "train" }, Ports = [new V1ServicePort { Name = "c10d", Port = 29500 }] },
        });
        var rank = Manifests.FieldRef("metadata.annotations['batch.kubernetes.io/job-completion-index']");
        var worker = new V1Container
        {
            Name = "worker",
            Image = "ghcr.io/posttrain/posttrain-worker:test",
            Command = ["posttrain-worker", "run", "/etc/posttrain/job.json"],
            Env =
            [
                // the operator's 9090 would work too (each pod listens on its own IP), but other test projects' workers may hold *:9090
                new V1EnvVar { Name = "POSTTRAIN_PORT", Value = TestPorts.Free().ToString(CultureInfo.InvariantCulture) },
                new V1EnvVar { Name = "POSTTRAIN_DEVICE", Value = "cpu" },
                new V1EnvVar { Name = "POSTTRAIN_NPROC_PER_NODE", Value = "1" },
                new V1EnvVar { Name = "WORLD_SIZE", Value = "2" },
                new V1EnvVar { Name = "MASTER_ADDR", Value = "train-0.train-workers" },
                new V1EnvVar { Name = "MASTER_PORT", Value = TestPorts.Free().ToString(CultureInfo.InvariantCulture) },
                new V1EnvVar { Name = "NODE_RANK", ValueFrom = rank },
                new V1EnvVar { Name = "RANK", ValueFrom = KubeJson.Clone(rank) },
                new V1EnvVar { Name = "LOCAL_RANK", Value = "0" },
                new V1EnvVar { Name = "OMP_NUM_THREADS", Value = "1" },
            ],
            VolumeMounts =
            [
                new V1VolumeMount { Name = "config", MountPath = "/etc/posttrain", ReadOnlyProperty = true },
                new V1VolumeMount { Name = "dshm", MountPath = "/dev/shm" },
                new V1VolumeMount { Name = "pvc-out", MountPath = "/mnt/pvc/out" },
            ],
            TerminationMessagePath = "/dev/termination-log",
        };
        var job = Manifests.Job(ns, "train", worker, completions: 2, parallelism: 2, indexed: true, backoffLimit: 0);
        job.Spec.Template.Spec.Subdomain = "train-workers";
        job.Spec.Template.Spec.Volumes =
        [
            new V1Volume { Name = "config", ConfigMap = KubeJson.FromNode<V1ConfigMapVolumeSource>(new JsonObject { ["name"] = "train-config" }) },
            new V1Volume { Name = "dshm", EmptyDir = KubeJson.FromNode<V1EmptyDirVolumeSource>(new JsonObject { ["medium"] = "Memory" }) },
            Manifests.ClaimVolume("pvc-out", "out"),
        ];
        job.Spec.PodFailurePolicy = KubeJson.FromNode<V1PodFailurePolicy>(JsonNode.Parse("""{"rules": [{"action": "FailJob", "onExitCodes": {"containerName": "worker", "operator": "In", "values": [2, 3]}}]}""")!.AsObject());
        await cluster.Client.Jobs.CreateAsync(job);

        var finished = await cluster.JobAsync(ns, "train", j => j.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true, "finishes", seconds: 120);
        var pods = (await cluster.JobPodsAsync(ns, "train")).OrderBy(p => p.Metadata.Annotations!["batch.kubernetes.io/job-completion-index"], StringComparer.Ordinal).ToList();
        var logs = string.Join("\n---\n", await Task.WhenAll(pods.Select(p => cluster.LogAsync(ns, p.Metadata.Name!))));
        ClusterFixture.Condition(finished, "Complete")?.Status.ShouldBe("True", logs);
        pods.Count.ShouldBe(2);
        (await cluster.LogAsync(ns, pods[0].Metadata.Name!)).ShouldContain("rank 0 of 2");
        (await cluster.LogAsync(ns, pods[1].Metadata.Name!)).ShouldContain("rank 1 of 2");

        var result = JsonNode.Parse((string)ClusterFixture.Terminated(pods[0])["message"]!)!;
        ((string?)result["phase"]).ShouldBe("Succeeded");
        // The contract wants pvc://out/tiny/checkpoint-000002; this worker still reports the path it wrote to (under the
        // pod's /mnt/pvc/out, here a host path), so only the claim-relative end is checked.
        ((string?)result["checkpoint"]!["uri"])!.ShouldEndWith("out/tiny/checkpoint-000002");
        File.Exists(Path.Combine(cluster.Agent.ClaimDirectory(ns, "out"), "tiny", "checkpoint-000002", "config.json")).ShouldBeTrue();
    }
}
