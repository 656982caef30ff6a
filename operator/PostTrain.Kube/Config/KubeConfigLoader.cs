using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace PostTrain.Kube.Config;

/// <summary>
/// Loads a client configuration from kubeconfig files the way kubectl does: an explicit path, else every file in
/// KUBECONFIG (merged: the first file to define a name or current-context wins), else ~/.kube/config; then the
/// chosen context's cluster (server, CA data or file, insecure-skip-tls-verify, tls-server-name), user (client
/// certificate and key, token, tokenFile, exec plugin) and namespace. Relative paths resolve against the file
/// that named them.
/// </summary>
public static class KubeConfigLoader
{
    /// <summary>In a pod (KUBERNETES_SERVICE_HOST set and a service-account token present) the in-cluster configuration, otherwise the kubeconfig.</summary>
    public static KubernetesClientConfiguration LoadDefault()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")) && File.Exists(InClusterConfig.DefaultTokenPath))
        {
            return InClusterConfig.Load();
        }

        return Load();
    }

    /// <summary>Loads a kubeconfig.</summary>
    /// <param name="path">An explicit file; null to use KUBECONFIG or ~/.kube/config.</param>
    /// <param name="context">A context name; null for current-context.</param>
    /// <param name="kubeconfigVariable">The KUBECONFIG value (null reads the environment).</param>
    /// <param name="homeDirectory">The home folder (null reads the environment).</param>
    /// <param name="time">Clock for exec plugins, for tests.</param>
    public static KubernetesClientConfiguration Load(string? path = null, string? context = null, string? kubeconfigVariable = null, string? homeDirectory = null, TimeProvider? time = null)
    {
        var files = ResolveFiles(path, kubeconfigVariable ?? Environment.GetEnvironmentVariable("KUBECONFIG"), homeDirectory ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        var merged = Merge(files);
        var contextName = context ?? merged.CurrentContext;
        var sources = string.Join(", ", files);
        if (string.IsNullOrEmpty(contextName))
        {
            throw new KubeConfigException($"no current-context in {sources}; choose one with `kubectl config use-context NAME` or pass a context name");
        }

        var ctx = merged.Contexts.GetValueOrDefault(contextName)
            ?? throw new KubeConfigException($"context \"{contextName}\" not found in {sources}; available contexts: {string.Join(", ", merged.Contexts.Keys.Order(StringComparer.Ordinal))}");
        if (string.IsNullOrEmpty(ctx.Cluster))
        {
            throw new KubeConfigException($"context \"{contextName}\" names no cluster; set contexts[].context.cluster in {sources}");
        }

        var cluster = merged.Clusters.GetValueOrDefault(ctx.Cluster)
            ?? throw new KubeConfigException($"cluster \"{ctx.Cluster}\" (of context \"{contextName}\") not found in {sources}; available clusters: {string.Join(", ", merged.Clusters.Keys.Order(StringComparer.Ordinal))}");
        if (string.IsNullOrWhiteSpace(cluster.Server))
        {
            throw new KubeConfigException($"cluster \"{ctx.Cluster}\" has no server URL; set clusters[].cluster.server in {sources}");
        }

        if (!Uri.TryCreate(cluster.Server, UriKind.Absolute, out var server))
        {
            throw new KubeConfigException($"cluster \"{ctx.Cluster}\" has an invalid server URL \"{cluster.Server}\"");
        }

        KubeConfigFile.UserEntry? user = null;
        if (!string.IsNullOrEmpty(ctx.User))
        {
            user = merged.Users.GetValueOrDefault(ctx.User)
                ?? throw new KubeConfigException($"user \"{ctx.User}\" (of context \"{contextName}\") not found in {sources}; available users: {string.Join(", ", merged.Users.Keys.Order(StringComparer.Ordinal))}");
        }

        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = string.IsNullOrEmpty(ctx.Namespace) ? "default" : ctx.Namespace,
            CertificateAuthorities = CertificateAuthorities(ctx.Cluster, cluster),
            SkipTlsVerify = cluster.InsecureSkipTlsVerify == true,
            TlsServerName = cluster.TlsServerName,
            ClientCertificate = user is null ? null : ClientCertificate(ctx.User!, user),
            TokenProvider = user is null ? null : TokenProvider(ctx.User!, user, time),
        };
    }

    private static List<string> ResolveFiles(string? path, string? kubeconfigVariable, string home)
    {
        if (!string.IsNullOrEmpty(path))
        {
            return File.Exists(path) ? [Path.GetFullPath(path)] : throw new KubeConfigException($"kubeconfig file {path} does not exist");
        }

        if (!string.IsNullOrWhiteSpace(kubeconfigVariable))
        {
            var listed = kubeconfigVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var existing = listed.Where(File.Exists).Select(Path.GetFullPath).ToList();
            return existing.Count > 0 ? existing : throw new KubeConfigException($"none of the KUBECONFIG files exist: {kubeconfigVariable}");
        }

        var fallback = Path.Combine(home, ".kube", "config");
        return File.Exists(fallback)
            ? [fallback]
            : throw new KubeConfigException($"no kubeconfig: KUBECONFIG is not set and {fallback} does not exist. Point KUBECONFIG at a kubeconfig file, or run inside a pod for the in-cluster configuration.");
    }

    private sealed class Merged
    {
        public string? CurrentContext { get; set; }

        public Dictionary<string, KubeConfigFile.ClusterEntry> Clusters { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, KubeConfigFile.ContextEntry> Contexts { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, KubeConfigFile.UserEntry> Users { get; } = new(StringComparer.Ordinal);
    }

    private static Merged Merge(List<string> files)
    {
        var deserializer = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();
        var merged = new Merged();
        foreach (var file in files)
        {
            KubeConfigFile? config;
            try
            {
                config = deserializer.Deserialize<KubeConfigFile>(File.ReadAllText(file));
            }
            catch (YamlException e)
            {
                throw new KubeConfigException($"kubeconfig {file} is not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.InnerException?.Message ?? e.Message}", e);
            }

            if (config is null)
            {
                continue;
            }

            var dir = Path.GetDirectoryName(file)!;
            if (string.IsNullOrEmpty(merged.CurrentContext) && !string.IsNullOrEmpty(config.CurrentContext))
            {
                merged.CurrentContext = config.CurrentContext;
            }

            foreach (var c in config.Clusters ?? [])
            {
                if (c.Name is not null && c.Cluster is not null && !merged.Clusters.ContainsKey(c.Name))
                {
                    c.Cluster.SourceDirectory = dir;
                    merged.Clusters[c.Name] = c.Cluster;
                }
            }

            foreach (var c in config.Contexts ?? [])
            {
                if (c.Name is not null && c.Context is not null)
                {
                    merged.Contexts.TryAdd(c.Name, c.Context);
                }
            }

            foreach (var u in config.Users ?? [])
            {
                if (u.Name is not null && !merged.Users.ContainsKey(u.Name))
                {
                    var entry = u.User ?? new KubeConfigFile.UserEntry();
                    entry.SourceDirectory = dir;
                    merged.Users[u.Name] = entry;
                }
            }
        }

        return merged;
    }

    private static X509Certificate2Collection? CertificateAuthorities(string name, KubeConfigFile.ClusterEntry cluster)
    {
        string? pem = null;
        if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            pem = DecodeBase64(cluster.CertificateAuthorityData, $"clusters[{name}].certificate-authority-data");
        }
        else if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            pem = ReadFile(Resolve(cluster.SourceDirectory, cluster.CertificateAuthority), $"clusters[{name}].certificate-authority");
        }

        if (pem is null)
        {
            return null;
        }

        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"the CA of cluster \"{name}\" is not a PEM certificate: {e.Message}", e);
        }

        return collection.Count > 0 ? collection : throw new KubeConfigException($"the CA of cluster \"{name}\" holds no certificate");
    }

    private static X509Certificate2? ClientCertificate(string name, KubeConfigFile.UserEntry user)
    {
        var cert = user.ClientCertificateData is { Length: > 0 } certData ? DecodeBase64(certData, $"users[{name}].client-certificate-data")
            : user.ClientCertificate is { Length: > 0 } certFile ? ReadFile(Resolve(user.SourceDirectory, certFile), $"users[{name}].client-certificate") : null;
        var key = user.ClientKeyData is { Length: > 0 } keyData ? DecodeBase64(keyData, $"users[{name}].client-key-data")
            : user.ClientKey is { Length: > 0 } keyFile ? ReadFile(Resolve(user.SourceDirectory, keyFile), $"users[{name}].client-key") : null;
        if (cert is null && key is null)
        {
            return null;
        }

        if (cert is null || key is null)
        {
            throw new KubeConfigException($"user \"{name}\" has a client {(cert is null ? "key but no certificate" : "certificate but no key")}; set both client-certificate(-data) and client-key(-data)");
        }

        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(cert, key);
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new KubeConfigException($"the client certificate or key of user \"{name}\" could not be loaded: {e.Message}", e);
        }
    }

    private static IAccessTokenProvider? TokenProvider(string name, KubeConfigFile.UserEntry user, TimeProvider? time)
    {
        if (user.AuthProvider is not null)
        {
            throw new KubeConfigException($"user \"{name}\" uses an auth-provider, which is not supported; switch to an exec credential plugin (e.g. kubelogin, gke-gcloud-auth-plugin)");
        }

        if (user.Exec is not null)
        {
            return new ExecCredentialProvider(user.Exec, user.SourceDirectory, time);
        }

        if (!string.IsNullOrEmpty(user.Token))
        {
            return new StaticTokenProvider(user.Token);
        }

        if (!string.IsNullOrEmpty(user.TokenFile))
        {
            return new FileTokenProvider(Resolve(user.SourceDirectory, user.TokenFile), TimeSpan.FromMinutes(1), time);
        }

        return null;
    }

    private static string Resolve(string? directory, string path) => Path.IsPathRooted(path) || directory is null ? path : Path.GetFullPath(Path.Combine(directory, path));

    private static string ReadFile(string path, string field)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubeConfigException($"{field} names {path}, which cannot be read: {e.Message}", e);
        }
    }

    private static string DecodeBase64(string data, string field)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }
        catch (FormatException e)
        {
            throw new KubeConfigException($"{field} is not valid base64: {e.Message}", e);
        }
    }
}
