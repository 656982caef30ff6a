using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>The ConfigMap, batch Job and headless Service rendered for a job (no server needed).</summary>
public sealed class RenderingTests
{
    private static readonly JobResource Owner = new()
    {
        ApiVersion = JobKinds.Sft.ApiVersion,
        Kind = JobKinds.Sft.Kind,
        Metadata = new V1ObjectMeta { Name = "big", NamespaceProperty = "ml", Uid = "uid-1" },
    };

    private static SftJob BigJob()
    {
        var spec = Specs.Sft("pvc://ckpt/big");
        spec["model"] = new JsonObject { ["source"] = "pvc://models/qwen" };
        spec["resources"] = Specs.Parse("""{"gpus": 8, "nodes": 3, "cpu": "32", "memory": "256Gi", "sharedMemory": "16Gi"}""");
        spec["scheduling"] = Specs.Parse("""
            {"nodeSelector": {"gpu": "h100"}, "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
             "affinity": {"nodeAffinity": {}}, "priorityClassName": "training", "schedulerName": "volcano", "queueName": "team-a"}
            """);
        spec["hfTokenSecret"] = new JsonObject { ["name"] = "hf" };
        spec["backoffLimit"] = 5;
        spec["activeDeadlineSeconds"] = 3600;
        spec["env"] = Specs.Parse("""{"x": [{"name": "NCCL_DEBUG", "value": "INFO"}]}""")["x"]!.DeepClone();
        var node = new JsonObject { ["apiVersion"] = JobKinds.Sft.ApiVersion, ["kind"] = "SftJob", ["metadata"] = new JsonObject { ["name"] = "big", ["namespace"] = "ml" }, ["spec"] = spec };
        return (SftJob)JobJson.FromNode(node);
    }

    [Fact]
    public void Multi_node_job_renders_indexed_job_headless_service_resources_scheduling_and_security()
    {
        var rendered = new WorkloadRenderer(new WorkloadOptions { DefaultImage = "img:1" }).Render(BigJob(), Owner);

        rendered.Config.Metadata.Name.ShouldBe("big-sft-config");
        rendered.Service.ShouldNotBeNull();
        rendered.Service.Metadata.Name.ShouldBe("big-sft-workers");
        rendered.Service.Spec.ClusterIP.ShouldBe("None");
        rendered.Service.Spec.PublishNotReadyAddresses.ShouldBe(true);

        var job = rendered.Job;
        job.Metadata.Name.ShouldBe("big-sft");
        job.Metadata.Labels![ChildNames.QueueLabel].ShouldBe("team-a");
        job.Spec.CompletionMode.ShouldBe("Indexed");
        job.Spec.Completions.ShouldBe(3);
        job.Spec.Parallelism.ShouldBe(3);
        job.Spec.BackoffLimit.ShouldBe(5);
        job.Spec.ActiveDeadlineSeconds.ShouldBe(3600);
        job.Spec.Suspend.ShouldBe(false);
        job.Spec.PodReplacementPolicy.ShouldBe("Failed");
        foreach (var child in new IKubernetesObject<V1ObjectMeta>[] { rendered.Config, rendered.Service, job })
        {
            var owner = child.Metadata.OwnerReferences!.Single();
            owner.Uid.ShouldBe("uid-1");
            owner.Controller.ShouldBe(true);
            owner.BlockOwnerDeletion.ShouldBe(true);
        }

        var pod = job.Spec.Template.Spec;
        pod.RestartPolicy.ShouldBe("Never");
        pod.Subdomain.ShouldBe("big-sft-workers");
        pod.NodeSelector!["gpu"].ShouldBe("h100");
        pod.Tolerations![0].Key.ShouldBe("gpu");
        pod.Affinity!.NodeAffinity.ShouldNotBeNull();
        pod.PriorityClassName.ShouldBe("training");
        pod.SchedulerName.ShouldBe("volcano");
        pod.SecurityContext!.RunAsNonRoot.ShouldBe(true);
        pod.SecurityContext.SeccompProfile!.Type.ShouldBe("RuntimeDefault");
        pod.AutomountServiceAccountToken.ShouldBe(false);

        var container = pod.Containers.Single();
        container.Image.ShouldBe("img:1");
        container.Command.ShouldBe(["posttrain-worker", "run", "/etc/posttrain/job.json"]);
        container.Resources!.Limits!["nvidia.com/gpu"].ToString().ShouldBe("8");
        container.Resources.Limits["memory"].ToString().ShouldBe("256Gi");
        container.Resources.Requests!["cpu"].ToString().ShouldBe("32");
        container.TerminationMessagePath.ShouldBe("/dev/termination-log");
        container.SecurityContext!.AllowPrivilegeEscalation.ShouldBe(false);
        container.SecurityContext.Capabilities!.Drop.ShouldBe(["ALL"]);

        var shm = pod.Volumes!.Single(v => v.Name == "dshm");
        shm.EmptyDir!.Medium.ShouldBe("Memory");
        shm.EmptyDir.SizeLimit!.ToString().ShouldBe("16Gi");
        pod.Volumes!.Where(v => v.PersistentVolumeClaim is not null).Select(v => v.PersistentVolumeClaim.ClaimName).ShouldBe(["ckpt", "models"]);
        container.VolumeMounts!.Select(m => m.MountPath).ShouldBe(["/etc/posttrain", "/dev/shm", "/mnt/pvc/ckpt", "/mnt/pvc/models"]);

        var env = container.Env!.ToDictionary(e => e.Name);
        // 3 pods x 8 GPUs: each pod's worker starts 8 ranks (torchrun's variables), so RANK and LOCAL_RANK are its to set.
        env["WORLD_SIZE"].Value.ShouldBe("24");
        env["NNODES"].Value.ShouldBe("3");
        env["POSTTRAIN_NPROC_PER_NODE"].Value.ShouldBe("8");
        env["POSTTRAIN_DEVICE"].Value.ShouldBe("cuda");
        env["NODE_RANK"].ValueFrom!.FieldRef!.FieldPath.ShouldBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
        env.ShouldNotContainKey("RANK");
        env.ShouldNotContainKey("LOCAL_RANK");
        env["MASTER_PORT"].Value.ShouldBe("29500");
        env["MASTER_ADDR"].Value.ShouldBe("big-sft-0.big-sft-workers");
        env["HF_TOKEN"].ValueFrom!.SecretKeyRef!.Name.ShouldBe("hf");
        env["HF_TOKEN"].ValueFrom!.SecretKeyRef!.Key.ShouldBe("token");
        env["NCCL_DEBUG"].Value.ShouldBe("INFO");
        env["POSTTRAIN_PORT"].Value.ShouldBe("9090");
    }

    [Fact]
    public void Pod_failure_policy_ignores_preemption_and_fails_fast_on_invalid_input()
    {
        var rules = KubeJson.ToNode(WorkloadRenderer.PodFailurePolicy())!["rules"]!.AsArray();
        rules.Count.ShouldBe(3);
        rules[0]!["action"]!.GetValue<string>().ShouldBe("FailJob");
        rules[0]!["onExitCodes"]!["values"]!.AsArray().Select(v => v!.GetValue<int>()).ShouldBe([2, 3]); // invalid input, no usable GPU
        rules[0]!["onExitCodes"]!["containerName"]!.GetValue<string>().ShouldBe("worker");
        rules[1]!["action"]!.GetValue<string>().ShouldBe("Ignore");
        rules[1]!["onExitCodes"]!["values"]!.AsArray().Select(v => v!.GetValue<int>()).ShouldBe([143]);
        rules[2]!["action"]!.GetValue<string>().ShouldBe("Ignore");
        rules[2]!["onPodConditions"]![0]!["type"]!.GetValue<string>().ShouldBe("DisruptionTarget");
    }

    [Theory]
    [InlineData(0, 1, "cpu", "1", "0")]
    [InlineData(1, 1, "cuda", "1", "0")]
    [InlineData(1, 4, "cuda", "4", null)]
    public void One_process_per_pod_gets_its_rank_from_the_pod_and_the_device_is_required_when_gpus_are_asked_for(int gpus, int nodes, string device, string worldSize, string? rank)
    {
        var spec = Specs.Sft(output: null);
        spec["resources"] = Specs.Parse($$"""{"gpus": {{gpus}}, "nodes": {{nodes}}}""");
        var job = (SftJob)JobJson.FromNode(new JsonObject { ["apiVersion"] = JobKinds.Sft.ApiVersion, ["kind"] = "SftJob", ["metadata"] = new JsonObject { ["name"] = "one", ["namespace"] = "ml", ["uid"] = "u", ["resourceVersion"] = "9" }, ["spec"] = spec });
        var env = new WorkloadRenderer(new WorkloadOptions()).Render(job, Owner).Job.Spec!.Template!.Spec!.Containers.Single().Env!.ToDictionary(e => e.Name);
        env["POSTTRAIN_DEVICE"].Value.ShouldBe(device);
        env["POSTTRAIN_NPROC_PER_NODE"].Value.ShouldBe("1");
        env["WORLD_SIZE"].Value.ShouldBe(worldSize);
        env["LOCAL_RANK"].Value.ShouldBe("0");
        if (rank is null)
        {
            env["RANK"].ValueFrom!.FieldRef!.FieldPath.ShouldBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
        }
        else
        {
            env["RANK"].Value.ShouldBe(rank);
        }
    }

    [Fact]
    public void Single_node_defaults_scratch_output_gpu_resource_name_and_job_json()
    {
        var spec = Specs.Sft(output: null);
        spec["resources"] = Specs.Parse("""{"gpus": 2}""");
        var job = (SftJob)JobJson.FromNode(new JsonObject { ["apiVersion"] = JobKinds.Sft.ApiVersion, ["kind"] = "SftJob", ["metadata"] = new JsonObject { ["name"] = "small", ["namespace"] = "ml", ["uid"] = "u", ["resourceVersion"] = "9" }, ["spec"] = spec });
        var renderer = new WorkloadRenderer(new WorkloadOptions { GpuResourceName = "amd.com/gpu" });
        var rendered = renderer.Render(job, Owner);

        rendered.Service.ShouldBeNull();
        rendered.Job.Spec.CompletionMode.ShouldBe("NonIndexed");
        rendered.Job.Metadata.Labels!.ContainsKey(ChildNames.QueueLabel).ShouldBeFalse();
        var container = rendered.Job.Spec.Template.Spec.Containers[0];
        container.Resources!.Limits!["amd.com/gpu"].ShouldBe("2");
        container.Image.ShouldBe(new WorkloadOptions().DefaultImage);
        container.Env!.ShouldNotContain(e => e.Name == "RANK", "two GPUs: the worker starts two ranks and numbers them");
        container.Env!.Single(e => e.Name == "POSTTRAIN_NPROC_PER_NODE").Value.ShouldBe("2");
        container.Env!.Single(e => e.Name == "WORLD_SIZE").Value.ShouldBe("2");
        container.Env!.Single(e => e.Name == "MASTER_ADDR").Value.ShouldBe("127.0.0.1");
        container.VolumeMounts!.ShouldContain(m => m.Name == "output" && m.MountPath == "/var/lib/posttrain/output");
        rendered.Job.Spec.Template.Spec.Volumes!.Single(v => v.Name == "dshm").EmptyDir!.SizeLimit.ShouldBeNull();

        var worker = JobJson.Deserialize<SftJob>(rendered.Config.Data!["job.json"]);
        worker.Spec.Output.Uri.ShouldBe("/var/lib/posttrain/output");
        worker.Spec.Resume.ShouldBe(Api.Model.ResumePolicy.Auto);
        worker.Metadata.Uid.ShouldBeNull("cluster metadata stays out of job.json");
        worker.Metadata.Name.ShouldBe("small");
        renderer.Render(job, Owner).Config.Data!["job.json"].ShouldBe(rendered.Config.Data["job.json"], "rendering is deterministic");
        JsonSerializer.Serialize(renderer.Render(job, Owner).Job, KubeJson.Options).ShouldBe(JsonSerializer.Serialize(rendered.Job, KubeJson.Options));
    }
}
