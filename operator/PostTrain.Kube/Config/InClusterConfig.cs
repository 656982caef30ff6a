using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PostTrain.Kube.Config;

/// <summary>
/// The configuration of a client running in a pod: the API server from KUBERNETES_SERVICE_HOST/PORT, the
/// service-account CA, the namespace file, and the projected token, re-read as the kubelet rotates it.
/// File paths and environment are injectable for tests.
/// </summary>
public static class InClusterConfig
{
    /// <summary>The service-account folder.</summary>
    public const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The token file.</summary>
    public static string DefaultTokenPath => Path.Combine(ServiceAccountDirectory, "token");

    /// <summary>Loads the in-cluster configuration.</summary>
    /// <param name="serviceAccountDirectory">Folder holding token, ca.crt and namespace.</param>
    /// <param name="environment">Environment lookup (null reads the process environment).</param>
    /// <param name="tokenRereadAfter">How long a token read is trusted (client-go: one minute).</param>
    /// <param name="time">Clock, for tests.</param>
    public static KubernetesClientConfiguration Load(string serviceAccountDirectory = ServiceAccountDirectory, Func<string, string?>? environment = null, TimeSpan? tokenRereadAfter = null, TimeProvider? time = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set (they are in every pod); outside a cluster use a kubeconfig");
        }

        var tokenPath = Path.Combine(serviceAccountDirectory, "token");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException($"the service-account token {tokenPath} does not exist; check that the pod mounts its service account token (automountServiceAccountToken must not be false)");
        }

        var caPath = Path.Combine(serviceAccountDirectory, "ca.crt");
        if (!File.Exists(caPath))
        {
            throw new KubeConfigException($"the service-account CA {caPath} does not exist; the API server's certificate cannot be verified without it");
        }

        var ca = new X509Certificate2Collection();
        try
        {
            ca.ImportFromPemFile(caPath);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"the service-account CA {caPath} is not a PEM certificate: {e.Message}", e);
        }

        var namespacePath = Path.Combine(serviceAccountDirectory, "namespace");
        var ns = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : "default";
        var hostPart = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        return new KubernetesClientConfiguration
        {
            Server = new Uri($"https://{hostPart}:{port}"),
            Namespace = ns.Length == 0 ? "default" : ns,
            CertificateAuthorities = ca,
            TokenProvider = new FileTokenProvider(tokenPath, tokenRereadAfter ?? TimeSpan.FromMinutes(1), time),
        };
    }
}
