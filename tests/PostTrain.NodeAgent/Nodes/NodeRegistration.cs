using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Nodes;

/// <summary>
/// The Node object, as a kubelet keeps it: created with its labels and podCIDR, then its status posted through
/// <c>/status</c> (Ready and the pressure conditions, addresses, the kubelet endpoint, nodeInfo, capacity), and
/// re-posted every interval as a heartbeat, re-creating the Node if someone deleted it. On shutdown the Node is
/// marked as the node lifecycle controller would mark a silent one: Ready Unknown.
/// </summary>
internal sealed class NodeRegistration(KubernetesClient client, NodeAgentOptions options, int kubeletPort, ILogger logger)
{
    private readonly ResourceClient<V1Node> _nodes = client.Resource<V1Node>();
    private DateTimeOffset _readySince = DateTimeOffset.UtcNow;

    /// <summary>The Node's labels: kubernetes.io/hostname, os and arch, plus the configured ones.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; } = NodeLabels(options);

    /// <summary>Creates (or adopts) the Node and posts a Ready status.</summary>
    public async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var existing = await _nodes.TryGetAsync(options.NodeName, cancellationToken: cancellationToken).ConfigureAwait(false);
        var spec = new JsonObject { ["podCIDR"] = options.PodCidr, ["podCIDRs"] = new JsonArray(options.PodCidr) };
        if (existing is null)
        {
            try
            {
                await _nodes.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = options.NodeName, Labels = new Dictionary<string, string>(Labels) }, Spec = new V1NodeSpec { PodCIDR = options.PodCidr, PodCIDRs = [options.PodCidr] } }, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists)
            {
                // registered by a concurrent start: adopt it below
            }
        }

        var labels = new JsonObject();
        foreach (var (key, value) in Labels)
        {
            labels[key] = value;
        }

        await _nodes.PatchAsync(options.NodeName, PatchType.Merge, new JsonObject { ["metadata"] = new JsonObject { ["labels"] = labels }, ["spec"] = spec }, cancellationToken: cancellationToken).ConfigureAwait(false);
        _readySince = DateTimeOffset.UtcNow;
        await PostStatusAsync(ready: true, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("node {Node} registered, kubelet endpoint 127.0.0.1:{Port}", options.NodeName, kubeletPort);
    }

    /// <summary>Re-posts the Ready status every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunHeartbeatsAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                await PostStatusAsync(ready: true, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubernetesApiException e) when (e.IsNotFound)
            {
                logger.LogWarning("node {Node} was deleted; registering it again", options.NodeName);
                await RegisterQuietlyAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
            {
                logger.LogWarning(e, "node {Node}: status heartbeat failed; retrying at the next one", options.NodeName);
            }
        }
    }

    /// <summary>Marks the Node Ready Unknown (the agent stops posting status).</summary>
    public Task MarkStoppedAsync(CancellationToken cancellationToken) => PostStatusAsync(ready: false, cancellationToken);

    private async Task RegisterQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RegisterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
        {
            logger.LogWarning(e, "node {Node}: registering again failed; retrying at the next heartbeat", options.NodeName);
        }
    }

    private async Task PostStatusAsync(bool ready, CancellationToken cancellationToken)
    {
        var now = JsonFields.Timestamp(DateTimeOffset.UtcNow);
        var since = JsonFields.Timestamp(_readySince);
        JsonObject Condition(string type, string status, string reason, string message, string transition) => new()
        {
            ["type"] = type,
            ["status"] = status,
            ["reason"] = reason,
            ["message"] = message,
            ["lastHeartbeatTime"] = now,
            ["lastTransitionTime"] = transition,
        };

        var capacity = HostInfo.Capacity(options.DataDirectory);
        var status = new JsonObject
        {
            ["capacity"] = capacity,
            ["allocatable"] = capacity.DeepClone(),
            ["conditions"] = new JsonArray(
                Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", since),
                Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", since),
                Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", since),
                ready
                    ? Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", since)
                    : Condition("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", now)),
            ["addresses"] = new JsonArray(
                new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" },
                new JsonObject { ["type"] = "Hostname", ["address"] = options.NodeName }),
            ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = kubeletPort } },
            ["nodeInfo"] = HostInfo.NodeInfo(),
        };
        await _nodes.PatchAsync(options.NodeName, PatchType.Merge, new JsonObject { ["status"] = status }, status: true, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static Dictionary<string, string> NodeLabels(NodeAgentOptions options)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kubernetes.io/hostname"] = options.NodeName,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = HostInfo.Architecture,
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = HostInfo.Architecture,
        };
        foreach (var (key, value) in options.NodeLabels)
        {
            labels[key] = value;
        }

        return labels;
    }
}
