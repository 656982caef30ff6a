using System.Globalization;
using System.Net;
using k8s.Models;

namespace PostTrain.NodeAgent.Tests;

/// <summary>Pods of one Indexed Job reach each other by their DNS names, which resolve to their loopback pod IPs.</summary>
[Collection(ClusterDefinition.Name)]
public sealed class PeerNetworkTests(ClusterFixture cluster)
{
    /// <summary>Index 0 listens on its own DNS name; index 1 connects to it there and says hello.</summary>
    private const string Script = """
        import os, socket, time
        peer, port = os.environ["PEER"], int(os.environ["PORT"])
        if os.environ["JOB_COMPLETION_INDEX"] == "0":
            server = socket.socket()
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((peer, port))
            server.listen(1)
            connection, _ = server.accept()
            message = connection.recv(100).decode()
            open(os.environ["MESSAGE"], "w").write(message + " at " + peer)
        else:
            for attempt in range(600):
                try:
                    connection = socket.create_connection((peer, port))
                    break
                except OSError:
                    time.sleep(0.05)
            connection.sendall(b"hello from " + os.environ["POD_IP"].encode())
            open(os.environ["MESSAGE"], "w").write("sent to " + peer)
        """;

    [Fact]
    public async Task The_pods_of_an_indexed_job_meet_at_the_first_ones_hostname_and_subdomain()
    {
        var ns = cluster.NewNamespace();
        await cluster.Client.Services.CreateAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "ring", NamespaceProperty = ns },
            Spec = new V1ServiceSpec { ClusterIP = "None", Selector = new Dictionary<string, string>() { ["batch.kubernetes.io/job-name"] = "meet" }, Ports = [new V1ServicePort { Name = "c10d", Port = 29500 }] },
        });
        var port = TestPorts.Free().ToString(CultureInfo.InvariantCulture);
        var container = new V1Container
        {
            Name = "c",
            Image = ClusterFixture.HostImage,
            Command = ["python3", "-c", Script],
            Env =
            [
                new V1EnvVar { Name = "PEER", Value = "meet-0.ring" },
                new V1EnvVar { Name = "PORT", Value = port },
                new V1EnvVar { Name = "MESSAGE", Value = "/dev/termination-log" },
                new V1EnvVar { Name = "POD_IP", ValueFrom = Manifests.FieldRef("status.podIP") },
            ],
        };
        var job = Manifests.Job(ns, "meet", container, completions: 2, parallelism: 2, indexed: true, backoffLimit: 0);
        job.Spec.Template.Spec.Subdomain = "ring";
        await cluster.Client.Jobs.CreateAsync(job);

        var done = await cluster.JobConditionAsync(ns, "meet", "Complete", seconds: 60);
        done.Status!.Succeeded.ShouldBe(2);
        var pods = (await cluster.JobPodsAsync(ns, "meet")).OrderBy(p => p.Metadata.Annotations!["batch.kubernetes.io/job-completion-index"], StringComparer.Ordinal).ToList();
        var first = pods[0].Status!.PodIP!;
        var second = pods[1].Status!.PodIP!;
        first.ShouldNotBe(second);
        IPAddress.IsLoopback(IPAddress.Parse(first)).ShouldBeTrue();
        ((string?)ClusterFixture.Terminated(pods[0])["message"]).ShouldBe($"hello from {second} at {first}");
        ((string?)ClusterFixture.Terminated(pods[1])["message"]).ShouldBe($"sent to {first}");
    }
}
