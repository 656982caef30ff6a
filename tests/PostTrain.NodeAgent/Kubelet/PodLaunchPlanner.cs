using System.Globalization;
using k8s.Models;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// Prepares a pod to run: its volumes, then for each container the environment, the command line with
/// <c>$(VAR)</c> expanded, peer pods' DNS names replaced by their IPs, container paths translated to host paths,
/// and the image mapped to a host command. Adds the variables of the worker contract: HOSTNAME,
/// POSTTRAIN_LISTEN_ADDRESS (the pod IP), POSTTRAIN_TERMINATION_LOG (the host termination file) and
/// POSTTRAIN_PVC_ROOT (when something is mounted under /mnt/pvc), unless the pod sets them itself.
/// </summary>
internal sealed class PodLaunchPlanner(PodVolumes volumes, ContainerEnvironment environment, ImageResolver images, Func<string, string, string, PeerAddress> peers)
{
    /// <summary>The address of the node (and hostIP of every pod).</summary>
    public const string HostIp = "127.0.0.1";

    /// <summary>
    /// Plans every container of <paramref name="pod"/>; throws <see cref="PodSetupException"/> when it cannot start
    /// yet (retryable) or at all. With <paramref name="peersMayBeMissing"/>, a peer name without an address is left as written.
    /// </summary>
    public async Task<(IReadOnlyList<ContainerLaunch> Init, IReadOnlyList<ContainerLaunch> Main)> PlanAsync(V1Pod pod, string podDirectory, string podIp, bool peersMayBeMissing, CancellationToken cancellationToken)
    {
        var folders = await volumes.PrepareAsync(pod, Path.Combine(podDirectory, "volumes"), podIp, HostIp, cancellationToken).ConfigureAwait(false);
        var init = new List<ContainerLaunch>();
        foreach (var container in pod.Spec.InitContainers ?? [])
        {
            init.Add(await PlanAsync(pod, container, podDirectory, podIp, folders, peersMayBeMissing, cancellationToken).ConfigureAwait(false));
        }

        var main = new List<ContainerLaunch>();
        foreach (var container in pod.Spec.Containers)
        {
            main.Add(await PlanAsync(pod, container, podDirectory, podIp, folders, peersMayBeMissing, cancellationToken).ConfigureAwait(false));
        }

        return (init, main);
    }

    private async Task<ContainerLaunch> PlanAsync(V1Pod pod, V1Container container, string podDirectory, string podIp, Dictionary<string, string> folders, bool peersMayBeMissing, CancellationToken cancellationToken)
    {
        var argv = images.ContainerCommand(container);
        var env = await environment.ResolveAsync(pod, container, podIp, HostIp, cancellationToken).ConfigureAwait(false);
        var directory = Path.Combine(podDirectory, "containers", container.Name);
        var filesystem = ContainerFilesystem.Create(directory, container, folders);

        string Finish(string value, string where) => filesystem.Translate(ReplacePeerNames(pod, value, where, peersMayBeMissing));
        var command = argv.Select((a, i) => Finish(EnvExpansion.Expand(a, n => env.TryGetValue(n, out var v) ? v : null), $"argument {i} of container {container.Name}")).ToList();
        var final = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in env)
        {
            final[name] = Finish(value, $"env {name} of container {container.Name}");
        }

        final.TryAdd("HOSTNAME", pod.Spec.Hostname ?? pod.Metadata.Name ?? "");
        final.TryAdd("POSTTRAIN_LISTEN_ADDRESS", podIp);
        final.TryAdd("POSTTRAIN_TERMINATION_LOG", filesystem.TerminationFile);
        if (filesystem.ClaimRoot is { } claimRoot)
        {
            final.TryAdd("POSTTRAIN_PVC_ROOT", claimRoot);
        }

        var path = final.TryGetValue("PATH", out var p) ? p : Environment.GetEnvironmentVariable("PATH");
        var host = images.HostCommand(container, command, path);
        var workingDirectory = container.WorkingDir is { Length: > 0 } workingDir ? filesystem.HostDirectory(workingDir) : podDirectory;
        return new ContainerLaunch(container, host, final, workingDirectory, filesystem, directory);
    }

    /// <summary>
    /// Replaces a value that is the DNS name of a pod (<c>HOSTNAME.SUBDOMAIN[.NAMESPACE.svc[.cluster.local]]</c>,
    /// optionally with <c>:PORT</c>) by that pod's IP; waits (throws a retryable failure) while the pod exists or
    /// shares this pod's subdomain but has no IP yet.
    /// </summary>
    private string ReplacePeerNames(V1Pod pod, string value, string where, bool peersMayBeMissing)
    {
        var host = value;
        var port = "";
        var colon = value.LastIndexOf(':');
        if (colon > 0 && int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            host = value[..colon];
            port = value[colon..];
        }

        var labels = host.TrimEnd('.').Split('.');
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        if (labels.Length < 2 || !labels.All(IsDnsLabel))
        {
            return value;
        }

        var rest = labels[2..];
        if (rest.Length is 2 or 4 && rest[1] == "svc" && (rest.Length == 2 || (rest[2] == "cluster" && rest[3] == "local")))
        {
            ns = rest[0];
        }
        else if (rest.Length != 0)
        {
            return value;
        }

        var (hostname, subdomain) = (labels[0], labels[1]);
        var peer = peers(ns, hostname, subdomain);
        if (peer.Address is { } address)
        {
            return address + port;
        }

        var sibling = ns == pod.Metadata.NamespaceProperty && subdomain == pod.Spec.Subdomain;
        if ((peer.Exists || sibling) && !peersMayBeMissing)
        {
            throw PodSetupException.Retry("ContainerCreating", $"waiting for pod {hostname}.{subdomain} in {ns} to get an address ({where} names it)");
        }

        return value;
    }

    private static bool IsDnsLabel(string label) =>
        label.Length is > 0 and <= 63 && char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1]) && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
}
