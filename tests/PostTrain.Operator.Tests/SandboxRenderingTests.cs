using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using PostTrain.Api.Jobs;
using PostTrain.Api.Serialization;
using PostTrain.Kube.Models;
using PostTrain.Operator.Rendering;
using PostTrain.Operator.Resources;

namespace PostTrain.Operator.Tests;

/// <summary>
/// Jobs whose rewards run model-written code (issue 20): the pod gets a sandbox sidecar with its own uid, a read-only
/// root, no token and no secret, reached over a socket in a shared emptyDir, and a NetworkPolicy limits its egress.
/// </summary>
public sealed class SandboxRenderingTests(OperatorFixture fixture) : IClassFixture<OperatorFixture>
{
    private static readonly JobResource Owner = new()
    {
        ApiVersion = JobKinds.Rlvr.ApiVersion,
        Kind = JobKinds.Rlvr.Kind,
        Metadata = new V1ObjectMeta { Name = "coder", NamespaceProperty = "ml", Uid = "uid-7" },
    };

    private static JsonObject CodeSpec(string model = "pvc://models/coder")
    {
        var spec = Specs.Rlvr("unused");
        spec["model"] = new JsonObject { ["source"] = model };
        spec["dataset"] = new JsonObject { ["source"] = "pvc://data/mbpp.jsonl", ["format"] = "mbpp" };
        spec["reward"] = Specs.Parse("""{"x": [{"type": "code", "timeoutSeconds": 30}, {"type": "code", "name": "big", "memoryMb": 768}, {"type": "regex", "pattern": "def "}]}""")["x"]!.DeepClone();
        spec["hfTokenSecret"] = new JsonObject { ["name"] = "hf" };
        spec["env"] = Specs.Parse("""{"x": [{"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "k", "key": "v"}}}]}""")["x"]!.DeepClone();
        return spec;
    }

    private static PostTrainJob Job(string kind, JsonObject spec) =>
        JobJson.FromNode(new JsonObject { ["apiVersion"] = JobKinds.Rlvr.ApiVersion, ["kind"] = kind, ["metadata"] = new JsonObject { ["name"] = "coder", ["namespace"] = "ml" }, ["spec"] = spec });

    private static RenderedWorkload Render(PostTrainJob job) => new WorkloadRenderer(new WorkloadOptions { DefaultImage = "img:2" }).Render(job, Owner);

    [Fact]
    public void A_code_reward_gets_a_sidecar_with_its_own_uid_no_secrets_no_token_and_a_read_only_root()
    {
        var pod = Render(Job("RlvrJob", CodeSpec())).Job.Spec.Template.Spec;

        pod.AutomountServiceAccountToken.ShouldBe(false);
        pod.ShareProcessNamespace.ShouldBeNull();
        var sidecar = pod.InitContainers.ShouldHaveSingleItem();
        sidecar.Name.ShouldBe(ChildNames.SandboxContainer);
        sidecar.Image.ShouldBe("img:2");
        sidecar.Command.ShouldBe(["posttrain-worker", "sandbox-server", "--socket", ChildNames.SandboxSocket, "--max-timeout-seconds", "30", "--max-memory-mb", "768"]);
        sidecar.RestartPolicy.ShouldBe("Always", "a native sidecar: the pod completes with the worker");
        var security = sidecar.SecurityContext!;
        security.RunAsUser.ShouldBe(65532);
        security.RunAsGroup.ShouldBe(65532);
        security.ReadOnlyRootFilesystem.ShouldBe(true);
        security.AllowPrivilegeEscalation.ShouldBe(false);
        security.Capabilities!.Drop.ShouldBe(["ALL"]);

        // No secret reaches the sidecar: neither HF_TOKEN nor the job's own env, nor any valueFrom.
        sidecar.Env!.Select(e => e.Name).ShouldBe(["TMPDIR", "HOME", "DOTNET_EnableDiagnostics"]);
        sidecar.Env!.ShouldAllBe(e => e.ValueFrom == null);
        // It mounts only the socket folder and its own capped scratch: no output, claim, config or shared memory.
        sidecar.VolumeMounts!.Select(m => (m.Name, m.MountPath)).ShouldBe([(SandboxRendering.SocketVolume, ChildNames.SandboxSocketDirectory), (SandboxRendering.ScratchVolume, "/tmp")]);
        KubeJson.ToNode(pod.Volumes!.Single(v => v.Name == SandboxRendering.ScratchVolume).EmptyDir)!["sizeLimit"]!.GetValue<string>().ShouldBe("1Gi");
        sidecar.Resources!.Limits!["memory"].ShouldBe("2Gi");

        var worker = pod.Containers.ShouldHaveSingleItem();
        worker.Name.ShouldBe(ChildNames.WorkerContainer);
        worker.Env!.Single(e => e.Name == SandboxRendering.SocketVariable).Value.ShouldBe(ChildNames.SandboxSocket);
        worker.Env!.ShouldContain(e => e.Name == "HF_TOKEN");
        worker.VolumeMounts!.ShouldContain(m => m.Name == SandboxRendering.SocketVolume && m.MountPath == ChildNames.SandboxSocketDirectory);
    }

    [Fact]
    public void A_code_reward_gets_a_network_policy_that_denies_egress_but_dns_and_the_jobs_own_pods()
    {
        var rendered = Render(Job("RlvrJob", CodeSpec()));
        var policy = rendered.NetworkPolicy.ShouldNotBeNull();
        policy.Metadata.Name.ShouldBe("coder-rlvr-egress");
        policy.Metadata.NamespaceProperty.ShouldBe("ml");
        policy.Metadata.OwnerReferences!.Single().Uid.ShouldBe("uid-7");
        var labels = rendered.Job.Spec.Template.Metadata!.Labels!;
        var selector = KubeJson.ToNode(policy.Spec)!["podSelector"]!["matchLabels"]!.AsObject();
        selector.Select(p => (p.Key, p.Value!.GetValue<string>())).ShouldBe(labels.Select(l => (l.Key, l.Value)), ignoreOrder: true);
        KubeJson.ToNode(policy.Spec)!["policyTypes"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["Egress"]);
        var egress = KubeJson.ToNode(policy.Spec)!["egress"]!.AsArray();
        egress.Count.ShouldBe(2, egress.ToJsonString());
        egress[0]!["ports"]!.AsArray().Select(p => p!["port"]!.GetValue<int>()).ShouldBe([53, 53]);
        egress[0]!.AsObject().ContainsKey("to").ShouldBeFalse();
        egress[1]!["to"]![0]!["podSelector"]!["matchLabels"]![ChildNames.JobLabel]!.GetValue<string>().ShouldBe("coder");
        egress.ToJsonString().ShouldNotContain("ipBlock");
    }

    [Fact]
    public void A_job_that_needs_the_hub_may_reach_public_addresses_only()
    {
        var policy = Render(Job("RlvrJob", CodeSpec("hf://Qwen/Qwen2.5-0.5B"))).NetworkPolicy.ShouldNotBeNull();
        var block = KubeJson.ToNode(policy.Spec)!["egress"]!.AsArray()[2]!["to"]![0]!["ipBlock"]!;
        block["cidr"]!.GetValue<string>().ShouldBe("0.0.0.0/0");
        block["except"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(SandboxRendering.PrivateRanges);
        SandboxRendering.PrivateRanges.ShouldContain("169.254.0.0/16", "cloud metadata endpoints");
    }

    [Fact]
    public void Jobs_without_code_get_no_sidecar_and_no_policy_and_an_mbpp_eval_gets_both()
    {
        var math = Render(Job("RlvrJob", Specs.Parse("""
            {"model": {"source": "builtin://tiny"}, "dataset": {"source": "builtin://arithmetic"}, "reward": [{"type": "math"}]}
            """)));
        math.NetworkPolicy.ShouldBeNull();
        math.Job.Spec.Template.Spec.InitContainers.ShouldBeNull();
        math.Job.Spec.Template.Spec.Containers.Single().Env!.ShouldNotContain(e => e.Name == SandboxRendering.SocketVariable);

        var eval = Render(Job("EvalJob", Specs.Parse("""
            {"models": [{"name": "m", "source": "builtin://tiny"}], "dataset": {"source": "pvc://data/mbpp.jsonl", "format": "mbpp"}}
            """)));
        eval.NetworkPolicy.ShouldNotBeNull();
        eval.Job.Spec.Template.Spec.InitContainers.ShouldHaveSingleItem().Name.ShouldBe(ChildNames.SandboxContainer);

        // Parquet records may be MBPP items, which only the worker sees: the pod is ready for code.
        var parquet = Render(Job("EvalJob", Specs.Parse("""
            {"models": [{"name": "m", "source": "builtin://tiny"}], "dataset": {"source": "pvc://data/mbpp.parquet", "format": "parquet"}}
            """)));
        parquet.NetworkPolicy.ShouldNotBeNull();
        parquet.Job.Spec.Template.Spec.InitContainers.ShouldHaveSingleItem().Name.ShouldBe(ChildNames.SandboxContainer);
    }

    [Fact]
    public async Task The_operator_creates_the_network_policy_with_the_batch_job()
    {
        var ns = fixture.NewNamespace();
        await using var op = OperatorHarness.Start(fixture, ns);
        var spec = CodeSpec();
        spec.Remove("hfTokenSecret");
        spec.Remove("env");
        await op.CreateAsync(JobKinds.Rlvr, "coder", spec);
        var batch = await op.WaitForBatchJobAsync("coder-rlvr");
        batch.Spec.Template.Spec.InitContainers.ShouldHaveSingleItem().Name.ShouldBe(ChildNames.SandboxContainer);
        var policy = await op.Client.NetworkPolicies.GetAsync("coder-rlvr-egress", ns);
        KubeJson.ToNode(policy.Spec)!["policyTypes"]!.AsArray().Select(t => t!.GetValue<string>()).ShouldBe(["Egress"]);
        JsonSerializer.Serialize(policy.Metadata.OwnerReferences, KubeJson.Options).ShouldContain("coder");
    }
}
