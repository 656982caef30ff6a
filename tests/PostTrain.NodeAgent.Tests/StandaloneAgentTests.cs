using System.Diagnostics;
using System.Globalization;
using PostTrain.Kube.Client;
using PostTrain.Kube.Config;
using PostTrain.NodeAgent.Processes;

namespace PostTrain.NodeAgent.Tests;

/// <summary>
/// The executables as docs/node-agent.md runs them: the standalone test API server writing a kubeconfig, the node
/// agent reading it; SIGTERM stops the agent cleanly, ending its pods as a node shutdown does.
/// </summary>
[Collection(ClusterDefinition.Name)]
public sealed class StandaloneAgentTests : IDisposable
{
    private readonly TempDirectory _dir = new("posttrain-standalone-agent-");
    private readonly List<Process> _processes = [];

    [Fact]
    public async Task The_agent_beside_the_standalone_server_runs_pods_serves_their_logs_and_stops_cleanly_on_SIGTERM()
    {
        var port = TestPorts.Free();
        var kubeconfig = Path.Combine(_dir.Path, "kubeconfig");
        Start(Binary("PostTrain.Kube.Testing"), "--port", port.ToString(CultureInfo.InvariantCulture), "--kubeconfig", kubeconfig);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await Poll.UntilAsync(async () => File.Exists(kubeconfig) && await Healthy(http), ok => ok, "the standalone server is up");

        var cidr = string.Create(CultureInfo.InvariantCulture, $"127.{Random.Shared.Next(10, 250)}.0.0/16");
        var agent = Start(Binary("PostTrain.NodeAgent"), "--kubeconfig", kubeconfig, "--data", Path.Combine(_dir.Path, "data"), "--node", "standalone", "--image", "busybox", "--pod-cidr", cidr, "--job-backoff", "0");
        using var client = new KubernetesClient(KubeClientConfig.FromKubeconfig(kubeconfig));
        await Poll.UntilAsync(() => NodeReady(http, "standalone"), r => r == "True", "the node is Ready", 60);

        await client.Pods.CreateAsync(Manifests.Pod("default", "hello", Manifests.Shell("echo hi from $HOSTNAME")));
        await Poll.UntilAsync(() => client.Pods.GetAsync("hello", "default"), p => p.Status?.Phase == "Succeeded", "hello succeeds");
        (await http.GetStringAsync(new Uri("api/v1/namespaces/default/pods/hello/log", UriKind.Relative))).ShouldBe("hi from hello\n");
        await client.Pods.CreateAsync(Manifests.Pod("default", "sleeper", Manifests.Shell("echo up; while true; do sleep 0.05; done")));
        await Poll.UntilAsync(() => client.Pods.GetAsync("sleeper", "default"), p => p.Status?.Phase == "Running", "sleeper runs");

        PosixSignals.Send(agent.Id, PosixSignals.Terminate).ShouldBeTrue();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await agent.WaitForExitAsync(timeout.Token);
        }

        agent.ExitCode.ShouldBe(0, await agent.StandardError.ReadToEndAsync());
        var ended = await client.Pods.GetAsync("sleeper", "default");
        ended.Status!.Phase.ShouldBe("Failed");
        ended.Status.Reason.ShouldBe("Terminated");
        ended.Status.Conditions!.ShouldContain(c => c.Type == "DisruptionTarget" && c.Reason == "TerminationByKubelet");
        (await NodeReady(http, "standalone")).ShouldBe("Unknown");
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }

        _dir.Dispose();
    }

    /// <summary>The build of a sibling project in the configuration these tests run in.</summary>
    private static string Binary(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        return Path.Combine(TestPaths.RepoRoot, "tests", project, "bin", configuration, "net10.0", project + ".dll");
    }

    private Process Start(string dll, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        _processes.Add(process);
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task<bool> Healthy(HttpClient http)
    {
        try
        {
            return (await http.GetAsync(new Uri("healthz", UriKind.Relative))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task<string?> NodeReady(HttpClient http, string node)
    {
        using var response = await http.GetAsync(new Uri($"api/v1/nodes/{node}", UriKind.Relative));
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var conditions = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]?["conditions"]?.AsArray() ?? [];
        return (string?)conditions.FirstOrDefault(c => (string?)c!["type"] == "Ready")?["status"];
    }
}
