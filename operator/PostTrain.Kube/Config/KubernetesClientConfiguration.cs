using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace PostTrain.Kube.Config;

/// <summary>Everything needed to talk to one API server: address, trust, credentials, default namespace.</summary>
public sealed class KubernetesClientConfiguration
{
    /// <summary>The API server, e.g. https://10.0.0.1:443.</summary>
    public required Uri Server { get; init; }

    /// <summary>The namespace used when a call names none.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>CA certificates to trust for the server (replacing the system roots).</summary>
    public X509Certificate2Collection? CertificateAuthorities { get; init; }

    /// <summary>Client certificate with its private key.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Bearer token source.</summary>
    public IAccessTokenProvider? TokenProvider { get; init; }

    /// <summary>Skip server certificate verification (insecure-skip-tls-verify).</summary>
    public bool SkipTlsVerify { get; init; }

    /// <summary>Name to verify the server certificate against (tls-server-name), instead of the URL host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>User-Agent header.</summary>
    public string UserAgent { get; init; } = "kube-dotnet-client/1.0";

    /// <summary>Timeout of non-watch requests.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a 429 (or 5xx with Retry-After) is retried after waiting Retry-After (exponential backoff with jitter from one second when a 429 has none).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>A configuration for a plain address with no credentials (test servers, kubectl proxy).</summary>
    public static KubernetesClientConfiguration ForServer(Uri server, string ns = "default") => new() { Server = server, Namespace = ns };

    /// <summary>Builds the HTTP handler: TLS trust, client certificate, bearer tokens.</summary>
    public HttpMessageHandler CreateHandler()
    {
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = TlsServerName,
                RemoteCertificateValidationCallback = ValidateServerCertificate,
            },
        };
        if (ClientCertificate is not null)
        {
            sockets.SslOptions.ClientCertificates = new X509CertificateCollection { ClientCertificate };
        }

        HttpMessageHandler handler = sockets;
        if (TokenProvider is not null)
        {
            handler = new BearerTokenHandler(TokenProvider) { InnerHandler = handler };
        }

        return handler;
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (SkipTlsVerify)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        var nameOk = TlsServerName is null ? (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 : leaf.MatchesHostname(TlsServerName);
        if (!nameOk)
        {
            return false;
        }

        var chainErrors = errors & ~SslPolicyErrors.RemoteCertificateNameMismatch;
        if (chainErrors == SslPolicyErrors.None)
        {
            return true;
        }

        if ((chainErrors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0 || CertificateAuthorities is not { Count: > 0 })
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(CertificateAuthorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(leaf);
    }
}
