using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace PostTrain.Kube.Testing;

/// <summary>Options for <see cref="TestApiServer"/>.</summary>
public sealed class TestApiServerOptions
{
    /// <summary>The port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>How often idle watches with allowWatchBookmarks get a BOOKMARK (kube-apiserver: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many events the watch history keeps before older resourceVersions expire (410).</summary>
    public int WatchHistoryLimit { get; set; } = 10_000;

    /// <summary>Serve HTTPS with this certificate instead of plain HTTP.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>With HTTPS, require and accept any client certificate (checked by <see cref="Authenticate"/>).</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>When set, requests it rejects get 401 Unauthorized (e.g. check the bearer token).</summary>
    public Func<HttpRequest, bool>? Authenticate { get; set; }

    /// <summary>The clock used for timestamps.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
