using System.Text;
using k8s.Models;
using PostTrain.Kube.Client;
using PostTrain.Kube.Models;
using PostTrain.NodeAgent.Json;

namespace PostTrain.NodeAgent.Kubelet;

/// <summary>
/// A container's environment as the kubelet computes it: envFrom (ConfigMaps and Secrets, with prefix), then env in
/// order, each value with <c>$(VAR)</c> expanded from the variables before it; valueFrom fieldRef (the downward
/// API), configMapKeyRef and secretKeyRef, optional ones skipped when missing. A missing required source leaves the
/// container waiting with CreateContainerConfigError, as a kubelet does. resourceFieldRef is not supported.
/// </summary>
internal sealed class ContainerEnvironment(KubernetesClient client)
{
    /// <summary>The variables of <paramref name="container"/>, in order.</summary>
    public async Task<OrderedDictionary<string, string>> ResolveAsync(V1Pod pod, V1Container container, string podIp, string hostIp, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var sources = new Sources(client, ns);
        var env = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var from in container.EnvFrom ?? [])
        {
            var prefix = from.Prefix ?? "";
            IReadOnlyDictionary<string, string>? entries;
            if (from.ConfigMapRef is { } configMapRef)
            {
                entries = await sources.ConfigMapAsync(configMapRef.Name ?? "", configMapRef.Optional == true, cancellationToken).ConfigureAwait(false);
            }
            else if (from.SecretRef is { } secretRef)
            {
                entries = await sources.SecretAsync(secretRef.Name ?? "", secretRef.Optional == true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                continue;
            }

            foreach (var (key, value) in entries ?? new Dictionary<string, string>())
            {
                env[prefix + key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom is not { } from)
            {
                env[variable.Name] = EnvExpansion.Expand(variable.Value ?? "", name => env.TryGetValue(name, out var v) ? v : null);
                continue;
            }

            string? value;
            if (from.FieldRef is { } fieldRef)
            {
                value = PodFields.Resolve(pod, fieldRef.FieldPath ?? "", podIp, hostIp);
            }
            else if (from.ConfigMapKeyRef is { } configMapKey)
            {
                value = await sources.ConfigMapKeyAsync(configMapKey.Name ?? "", configMapKey.Key ?? "", configMapKey.Optional == true, cancellationToken).ConfigureAwait(false);
            }
            else if (from.SecretKeyRef is { } secretKey)
            {
                value = await sources.SecretKeyAsync(secretKey.Name ?? "", secretKey.Key ?? "", secretKey.Optional == true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var kind = KubeJson.ToNode(from)?.AsObject().Select(p => p.Key).FirstOrDefault() ?? "(empty)";
                throw PodSetupException.Fail("CreateContainerConfigError", $"env {variable.Name}: valueFrom.{kind} is not supported by the node agent (it supports fieldRef, configMapKeyRef and secretKeyRef)");
            }

            if (value is not null)
            {
                env[variable.Name] = value;
            }
        }

        return env;
    }

    /// <summary>The ConfigMaps and Secrets one container's environment reads, each fetched once.</summary>
    private sealed class Sources(KubernetesClient client, string ns)
    {
        private readonly Dictionary<string, IReadOnlyDictionary<string, string>?> _configMaps = new(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyDictionary<string, string>?> _secrets = new(StringComparer.Ordinal);

        public async Task<IReadOnlyDictionary<string, string>?> ConfigMapAsync(string name, bool optional, CancellationToken cancellationToken)
        {
            if (!_configMaps.TryGetValue(name, out var entries))
            {
                var configMap = await client.ConfigMaps.TryGetAsync(name, ns, cancellationToken).ConfigureAwait(false);
                entries = configMap is null ? null : new Dictionary<string, string>(configMap.Data ?? new Dictionary<string, string>(), StringComparer.Ordinal);
                _configMaps[name] = entries;
            }

            return entries is null && !optional ? throw PodSetupException.Retry("CreateContainerConfigError", $"configmap \"{name}\" not found") : entries;
        }

        public async Task<IReadOnlyDictionary<string, string>?> SecretAsync(string name, bool optional, CancellationToken cancellationToken)
        {
            if (!_secrets.TryGetValue(name, out var entries))
            {
                var secret = await client.Secrets.TryGetAsync(name, ns, cancellationToken).ConfigureAwait(false);
                entries = secret is null ? null : PodVolumes.SecretEntries(secret).ToDictionary(e => e.Key, e => Encoding.UTF8.GetString(e.Value), StringComparer.Ordinal);
                _secrets[name] = entries;
            }

            return entries is null && !optional ? throw PodSetupException.Retry("CreateContainerConfigError", $"secret \"{name}\" not found") : entries;
        }

        public async Task<string?> ConfigMapKeyAsync(string name, string key, bool optional, CancellationToken cancellationToken)
        {
            var entries = await ConfigMapAsync(name, optional, cancellationToken).ConfigureAwait(false);
            if (entries is not null && entries.TryGetValue(key, out var value))
            {
                return value;
            }

            return optional ? null : throw PodSetupException.Retry("CreateContainerConfigError", $"couldn't find key {key} in ConfigMap {ns}/{name}");
        }

        public async Task<string?> SecretKeyAsync(string name, string key, bool optional, CancellationToken cancellationToken)
        {
            var entries = await SecretAsync(name, optional, cancellationToken).ConfigureAwait(false);
            if (entries is not null && entries.TryGetValue(key, out var value))
            {
                return value;
            }

            return optional ? null : throw PodSetupException.Retry("CreateContainerConfigError", $"couldn't find key {key} in Secret {ns}/{name}");
        }
    }
}
