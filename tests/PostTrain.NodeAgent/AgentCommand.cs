using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Config;

namespace PostTrain.NodeAgent;

/// <summary>
/// The standalone node agent's command line:
/// <c>PostTrain.NodeAgent --server URL | --kubeconfig FILE --data DIR [--node NAME] [--worker-dll PATH] ...</c>.
/// SIGTERM or Ctrl+C stops it cleanly, ending its pods first.
/// </summary>
public static class AgentCommand
{
    /// <summary>Parses <paramref name="args"/> and runs the agent until SIGTERM or Ctrl+C; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var server = new Option<string?>("--server") { Description = "the API server's address, e.g. http://127.0.0.1:8001 (no credentials)" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "a kubeconfig file (instead of --server)" };
        var context = new Option<string?>("--context") { Description = "the kubeconfig context (default: its current-context)" };
        var data = new Option<string>("--data") { Description = "where pods' folders, logs and PersistentVolumeClaim folders live", Required = true };
        var node = new Option<string>("--node") { Description = "the Node's name", DefaultValueFactory = _ => "local" };
        var workerDll = new Option<string?>("--worker-dll") { Description = "the posttrain-worker.dll that posttrain-worker images run (default: this repository's build)" };
        var kubeletPort = new Option<int>("--kubelet-port") { Description = "the kubelet endpoint's port on 127.0.0.1 (0: any free one)" };
        var podCidr = new Option<string>("--pod-cidr") { Description = "the loopback range pod IPs come from", DefaultValueFactory = _ => "127.0.0.0/16" };
        var image = new Option<string[]>("--image") { Description = "an image repository suffix whose containers run their commands as they are on the host (repeatable), e.g. python" };
        var unmapped = new Option<bool>("--run-unmapped-images") { Description = "run every unmapped image's command on the host instead of failing the pod" };
        var workerOnly = new Option<bool>("--no-control-plane") { Description = "run only the kubelet (another agent runs the scheduler and the Job, TTL and PV controllers)" };
        var jobBackoff = new Option<double>("--job-backoff") { Description = "seconds before a failed Job pod is replaced, doubling per failure (kube: 10)", DefaultValueFactory = _ => 10 };
        var verbose = new Option<bool>("--verbose") { Description = "log every pod start, exit and binding" };
        var root = new RootCommand("PostTrain node agent: a kubelet, scheduler and Job controller for the test cluster, running pods as local processes (docs/node-agent.md)")
        {
            server, kubeconfig, context, data, node, workerDll, kubeletPort, podCidr, image, unmapped, workerOnly, jobBackoff, verbose,
        };
        root.SetAction(async (parse, _) =>
        {
            var url = parse.GetValue(server);
            var file = parse.GetValue(kubeconfig);
            if ((url is null) == (file is null))
            {
                await Console.Error.WriteLineAsync("give exactly one of --server URL and --kubeconfig FILE").ConfigureAwait(false);
                return 2;
            }

            using var loggers = LoggerFactory.Create(b => b
                .AddSimpleConsole(o =>
                {
                    o.SingleLine = true;
                    o.TimestampFormat = "HH:mm:ss ";
                })
                .SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information));
            var options = new NodeAgentOptions
            {
                Server = url is null ? null : new Uri(url),
                Kubernetes = file is null ? null : KubeClientConfig.FromKubeconfig(file, parse.GetValue(context)),
                NodeName = parse.GetValue(node)!,
                DataDirectory = parse.GetValue(data)!,
                WorkerDll = parse.GetValue(workerDll),
                KubeletPort = parse.GetValue(kubeletPort),
                PodCidr = parse.GetValue(podCidr)!,
                Images = (parse.GetValue(image) ?? []).Select(suffix => new ImageMapping { RepositorySuffix = suffix }).ToList(),
                RunUnmappedImages = parse.GetValue(unmapped),
                ControlPlane = !parse.GetValue(workerOnly),
                JobBackoff = TimeSpan.FromSeconds(parse.GetValue(jobBackoff)),
                LoggerFactory = loggers,
            };
            return await RunAsync(options).ConfigureAwait(false);
        });
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }).ConfigureAwait(false);
    }

    /// <summary>Runs an agent until SIGTERM or SIGINT, then disposes it (its pods end first).</summary>
    private static async Task<int> RunAsync(NodeAgentOptions options)
    {
        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }

        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        NodeAgent agent;
        try
        {
            agent = await NodeAgent.StartAsync(options, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is Kube.Client.KubernetesApiException or HttpRequestException or IOException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"node agent: cannot start: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await using (agent.ConfigureAwait(false))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"node agent {agent.NodeName} running: kubelet endpoint {agent.KubeletEndpoint}, data {agent.DataDirectory}, worker {agent.WorkerDll} (Ctrl+C to stop)"));
            await Task.WhenAny(agent.Completion, Task.Delay(Timeout.Infinite, stop.Token)).ConfigureAwait(false);
            if (agent.Completion is { IsCompleted: true, Exception: { } failure })
            {
                await Console.Error.WriteLineAsync($"node agent: stopped: {failure.GetBaseException().Message}").ConfigureAwait(false);
                return 1;
            }
        }

        return 0;
    }
}
