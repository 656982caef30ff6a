using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using OfficialConfiguration = k8s.KubernetesClientConfiguration;

namespace PostTrain.Kube.Config;

/// <summary>
/// Where a client's configuration comes from: the official client's <see cref="OfficialConfiguration"/> loaders
/// (kubeconfig with exec plugins and OIDC, in-cluster with the rotating service-account token), chosen the way the
/// operator needs and with errors that name the file, the context and the fix. Ours are only the choice of source,
/// a KUBECONFIG list with a chosen context, the operator's request timeout and connection settings, and the error
/// messages (with the client certificate loaded early so that a bad one is reported as configuration).
/// </summary>
public static class KubeClientConfig
{
    /// <summary>The timeout of non-watch requests that the operator has always used (the official default is 100 s).</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// In a pod (KUBERNETES_SERVICE_HOST/PORT set, the service-account token and CA mounted) the in-cluster
    /// configuration; otherwise the kubeconfig from KUBECONFIG or ~/.kube/config. Unlike the official
    /// <see cref="OfficialConfiguration.BuildDefaultConfig"/>, the cluster wins over a stray kubeconfig, and nothing
    /// falls back to http://localhost:8080: no configuration is an error that says where it looked.
    /// </summary>
    public static OfficialConfiguration Default() =>
        OfficialConfiguration.IsInCluster() ? InCluster() : FromKubeconfig();

    /// <summary>
    /// The in-cluster configuration (<see cref="OfficialConfiguration.InClusterConfig"/>): https://KUBERNETES_SERVICE_HOST:PORT,
    /// the service account's CA and namespace, and its projected token, re-read by the official
    /// <c>TokenFileAuth</c> every minute so kubelet's rotation never breaks a long run.
    /// </summary>
    /// <exception cref="KubeConfigException">Not in a pod, or the service account is not mounted.</exception>
    public static OfficialConfiguration InCluster()
    {
        var config = OfficialConfiguration.InClusterConfig();
        // The namespace file is read verbatim; a trailing newline would become part of every request path.
        config.Namespace = string.IsNullOrWhiteSpace(config.Namespace) ? "default" : config.Namespace.Trim();
        return WithDefaults(config);
    }

    /// <summary>
    /// Loads a kubeconfig with the official loader: an explicit file, else every existing file in KUBECONFIG (merged as
    /// kubectl merges them: the first file to define a name or current-context wins, relative paths resolve against the
    /// file that names them), else ~/.kube/config; then the context's cluster (server, CA, insecure-skip-tls-verify,
    /// tls-server-name), user (client certificate, token, basic auth, exec plugin, OIDC auth-provider) and namespace.
    /// </summary>
    /// <param name="path">An explicit file; null to use KUBECONFIG or ~/.kube/config.</param>
    /// <param name="context">A context name; null for current-context.</param>
    /// <exception cref="KubeConfigException">The file, the context or a credential is missing or wrong; the message says which and how to fix it.</exception>
    public static OfficialConfiguration FromKubeconfig(string? path = null, string? context = null) =>
        FromKubeconfig(path, context, Environment.GetEnvironmentVariable);

    /// <summary>A configuration for a plain address with no credentials (the test API server, kubectl proxy).</summary>
    /// <param name="server">The API server.</param>
    /// <param name="ns">The namespace used when a call names none.</param>
    /// <param name="userAgent">The User-Agent header; null for the official client's.</param>
    /// <param name="requestTimeout">The timeout of non-watch requests; null for <see cref="DefaultRequestTimeout"/>.</param>
    public static OfficialConfiguration ForServer(Uri server, string ns = "default", string? userAgent = null, TimeSpan? requestTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var config = WithDefaults(new OfficialConfiguration { Host = server.AbsoluteUri, Namespace = ns });
        if (userAgent is not null)
        {
            config.UserAgent = userAgent;
        }

        if (requestTimeout is { } timeout)
        {
            config.HttpClientTimeout = timeout;
        }

        return config;
    }

    /// <summary><see cref="FromKubeconfig(string?, string?)"/> with the environment as a parameter, for tests.</summary>
    internal static OfficialConfiguration FromKubeconfig(string? path, string? context, Func<string, string?> environment)
    {
        var files = ResolveFiles(path, environment);
        var sources = string.Join(", ", files);
        var merged = Merge(files);
        var contextName = context ?? merged.CurrentContext;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubeConfigException($"no current-context in {sources}; choose one with `kubectl config use-context NAME` or pass a context name");
        }

        // The official loader matches names ignoring case, and says neither the file nor what exists.
        var contexts = (merged.Contexts ?? []).Select(c => c.Name).ToList();
        if (!contexts.Contains(contextName, StringComparer.OrdinalIgnoreCase))
        {
            throw new KubeConfigException($"context \"{contextName}\" not found in {sources}; available contexts: {string.Join(", ", contexts.Order(StringComparer.Ordinal))}");
        }

        var where = $"context \"{contextName}\" of {sources}";
        OfficialConfiguration config;
        try
        {
            config = OfficialConfiguration.BuildConfigFromConfigObject(merged, contextName);
        }
        catch (KubeConfigException e)
        {
            throw new KubeConfigException($"{where}: {e.Message}{InstallHint(merged, contextName)}", e);
        }
        catch (FormatException e)
        {
            throw new KubeConfigException($"{where}: a *-data field is not valid base64: {e.Message}", e);
        }
        catch (Exception e) when (e.GetType() == typeof(Exception))
        {
            // the official loader throws a bare Exception for the retired azure and gcp auth-providers (pointing at kubelogin and gke-gcloud-auth-plugin)
            throw new KubeConfigException($"{where}: {e.Message}", e);
        }

        CheckClientCertificate(config, where);
        return WithDefaults(config);
    }

    /// <summary>
    /// Loads the client certificate and key now, so that a bad pair is a configuration error naming the context rather
    /// than a CryptographicException when the official client builds its handler.
    /// </summary>
    private static void CheckClientCertificate(OfficialConfiguration config, string where)
    {
        static string? Pem(string? data, string? file) =>
            !string.IsNullOrWhiteSpace(data) ? Encoding.UTF8.GetString(Convert.FromBase64String(data))
            : !string.IsNullOrWhiteSpace(file) ? File.ReadAllText(file) : null;
        try
        {
            if (Pem(config.ClientCertificateData, config.ClientCertificateFilePath) is { } certificate
                && Pem(config.ClientCertificateKeyData, config.ClientKeyFilePath) is { } key)
            {
                using var pair = X509Certificate2.CreateFromPem(certificate, key);
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException or IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"{where}: the client certificate or key cannot be loaded: {e.Message}", e);
        }
    }

    /// <summary>What the operator sets beyond the official defaults: the request timeout, and a connection pool that reconnects now and then and gives up connecting after 10 s.</summary>
    private static OfficialConfiguration WithDefaults(OfficialConfiguration config)
    {
        config.HttpClientTimeout = DefaultRequestTimeout;
        config.FirstMessageHandlerSetup = handler =>
        {
            handler.PooledConnectionLifetime = TimeSpan.FromMinutes(5);
            handler.ConnectTimeout = TimeSpan.FromSeconds(10);
        };
        return config;
    }

    private static List<string> ResolveFiles(string? path, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(path))
        {
            return File.Exists(path) ? [Path.GetFullPath(path)] : throw new KubeConfigException($"kubeconfig file {path} does not exist");
        }

        var variable = environment("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(variable))
        {
            // kubectl skips listed files that do not exist; the official BuildDefaultConfig fails on them.
            var existing = variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(File.Exists).Select(Path.GetFullPath).ToList();
            return existing.Count > 0 ? existing : throw new KubeConfigException($"none of the KUBECONFIG files exist: {variable}");
        }

        var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var fallback = Path.Combine(home, ".kube", "config");
        return File.Exists(fallback)
            ? [fallback]
            : throw new KubeConfigException($"no kubeconfig: KUBECONFIG is not set and {fallback} does not exist. Point KUBECONFIG at a kubeconfig file, or run inside a pod for the in-cluster configuration.");
    }

    /// <summary>
    /// Loads each file with the official loader and merges them, first definition winning. The official client merges
    /// KUBECONFIG lists only inside BuildDefaultConfig, which takes no context, and resolves every relative path against
    /// the first file; so each file's relative paths are made absolute here first.
    /// </summary>
    private static K8SConfiguration Merge(List<string> files)
    {
        K8SConfiguration? merged = null;
        foreach (var file in files)
        {
            K8SConfiguration config;
            try
            {
                config = OfficialConfiguration.LoadKubeConfig(new FileInfo(file));
            }
            catch (YamlException e)
            {
                throw new KubeConfigException($"kubeconfig {file} is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
            }

            AbsolutePaths(config, Path.GetDirectoryName(file)!);
            if (merged is null)
            {
                merged = config;
                continue;
            }

            merged.CurrentContext ??= config.CurrentContext;
            merged.Clusters = FirstWins(merged.Clusters, config.Clusters, c => c.Name);
            merged.Contexts = FirstWins(merged.Contexts, config.Contexts, c => c.Name);
            merged.Users = FirstWins(merged.Users, config.Users, u => u.Name);
        }

        return merged!;
    }

    private static List<T> FirstWins<T>(IEnumerable<T>? first, IEnumerable<T>? next, Func<T, string> name) =>
        (first ?? []).Concat(next ?? []).DistinctBy(name, StringComparer.Ordinal).ToList();

    private static void AbsolutePaths(K8SConfiguration config, string directory)
    {
        string? Resolve(string? p) => string.IsNullOrEmpty(p) || Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(directory, p));
        foreach (var cluster in config.Clusters ?? [])
        {
            if (cluster.ClusterEndpoint is { } endpoint)
            {
                endpoint.CertificateAuthority = Resolve(endpoint.CertificateAuthority);
            }
        }

        foreach (var user in config.Users ?? [])
        {
            if (user.UserCredentials is { } credentials)
            {
                credentials.ClientCertificate = Resolve(credentials.ClientCertificate);
                credentials.ClientKey = Resolve(credentials.ClientKey);
            }
        }
    }

    private static string InstallHint(K8SConfiguration config, string contextName)
    {
        var userName = config.Contexts?.FirstOrDefault(c => string.Equals(c.Name, contextName, StringComparison.OrdinalIgnoreCase))?.ContextDetails?.User;
        var hint = config.Users?.FirstOrDefault(u => string.Equals(u.Name, userName, StringComparison.OrdinalIgnoreCase))?.UserCredentials?.ExternalExecution?.InstallHint;
        return string.IsNullOrWhiteSpace(hint) ? "" : $" ({hint.Trim()})";
    }
}
