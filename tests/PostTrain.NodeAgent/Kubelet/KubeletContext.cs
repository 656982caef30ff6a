using Microsoft.Extensions.Logging;
using PostTrain.Kube.Client;
using PostTrain.Kube.Events;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>What every pod worker of one kubelet shares.</summary>
/// <param name="Client">The API client.</param>
/// <param name="Options">The agent's options.</param>
/// <param name="Planner">Prepares pods to run.</param>
/// <param name="Addresses">Pod IPs.</param>
/// <param name="Events">Events about pods (reportingController kubelet).</param>
/// <param name="PodsDirectory">Where pod folders live (<c>{data}/pods/{uid}</c>).</param>
/// <param name="Logger">Logger.</param>
internal sealed record KubeletContext(
    KubernetesClient Client,
    NodeAgentOptions Options,
    PodLaunchPlanner Planner,
    PodAddressPool Addresses,
    EventRecorder Events,
    string PodsDirectory,
    ILogger Logger);
