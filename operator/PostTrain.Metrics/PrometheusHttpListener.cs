using System.Net;

namespace PostTrain.Metrics;

/// <summary>
/// A standalone /metrics endpoint for processes without ASP.NET Core, on <see cref="HttpListener"/>
/// (like prometheus-net's MetricServer): <c>using var server = new PrometheusHttpListener(9464, options).Start();</c>.
/// GET on the path answers a scrape in the format the Accept header asks for; other paths get 404.
/// </summary>
public sealed class PrometheusHttpListener : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly PrometheusCollector _collector;
    private readonly bool _ownsCollector;
    private readonly string _path;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, (string ContentType, Func<CancellationToken, ValueTask<string>> Body)> _routes = new(StringComparer.Ordinal);
    private Task? _loop;

    /// <summary>Serves a new collector made from <paramref name="options"/>; disposing the listener disposes it.</summary>
    /// <param name="port">The TCP port.</param>
    /// <param name="options">What to collect.</param>
    /// <param name="host">The host to bind: "127.0.0.1", "localhost", or "+" for every interface (the default, as a pod needs).</param>
    /// <param name="path">The path served, "/metrics" by default.</param>
    public PrometheusHttpListener(int port, PrometheusOptions options, string host = "+", string path = "/metrics")
        : this(new PrometheusCollector(options), port, host, path, ownsCollector: true)
    {
    }

    /// <summary>Serves an existing collector, which the caller keeps and disposes.</summary>
    /// <param name="collector">The collector to serve.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="host">The host to bind: "127.0.0.1", "localhost", or "+" for every interface.</param>
    /// <param name="path">The path served, "/metrics" by default.</param>
    public PrometheusHttpListener(PrometheusCollector collector, int port, string host = "+", string path = "/metrics")
        : this(collector, port, host, path, ownsCollector: false)
    {
    }

    private PrometheusHttpListener(PrometheusCollector collector, int port, string host, string path, bool ownsCollector)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            throw new ArgumentException($"path must start with '/', got '{path}'", nameof(path));
        }

        _collector = collector;
        _ownsCollector = ownsCollector;
        _path = NormalizePath(path);
        Port = port;
        _listener.Prefixes.Add($"http://{host}:{port}/");
    }

    /// <summary>The TCP port served.</summary>
    public int Port { get; }

    /// <summary>The collector served.</summary>
    public PrometheusCollector Collector => _collector;

    /// <summary>
    /// Serves one more path on the same port, e.g. the worker's <c>/status</c> JSON next to <c>/metrics</c>;
    /// <paramref name="body"/> runs per GET. Call before <see cref="Start"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    /// <exception cref="ArgumentException">The path does not start with '/' or is already served.</exception>
    public PrometheusHttpListener MapGet(string path, string contentType, Func<CancellationToken, ValueTask<string>> body)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(contentType);
        ArgumentNullException.ThrowIfNull(body);
        if (_loop is not null)
        {
            throw new InvalidOperationException("MapGet must be called before Start.");
        }

        var normalized = NormalizePath(path);
        if (path.Length == 0 || path[0] != '/' || normalized == _path || !_routes.TryAdd(normalized, (contentType, body)))
        {
            throw new ArgumentException($"path '{path}' must start with '/' and not be served already", nameof(path));
        }

        return this;
    }

    /// <summary>Starts accepting scrapes; returns this listener.</summary>
    /// <exception cref="HttpListenerException">The port cannot be bound (in use, or not permitted).</exception>
    public PrometheusHttpListener Start()
    {
        if (_loop is not null)
        {
            return this;
        }

        _listener.Start();
        _loop = Task.Run(() => AcceptLoopAsync(_stopping.Token));
        return this;
    }

    /// <summary>Stops accepting scrapes and releases the port (and the collector, when this listener made it).</summary>
    public void Dispose()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Close();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the listener's disposal; nothing to report.
        }

        _stopping.Dispose();
        if (_ownsCollector)
        {
            _collector.Dispose();
        }
    }

    private static string NormalizePath(string path)
    {
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // closed
            }

            _ = Task.Run(() => ServeAsync(context, cancellationToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var response = context.Response;
        try
        {
            var requestPath = NormalizePath(context.Request.Url?.AbsolutePath ?? "/");
            var isMetrics = string.Equals(requestPath, _path, StringComparison.Ordinal);
            if (!isMetrics && !_routes.ContainsKey(requestPath))
            {
                response.StatusCode = 404;
                return;
            }

            if (context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                response.StatusCode = 405;
                response.AddHeader("Allow", "GET, HEAD");
                return;
            }

            if (!isMetrics)
            {
                var (contentType, body) = _routes[requestPath];
                var bytes = System.Text.Encoding.UTF8.GetBytes(await body(cancellationToken).ConfigureAwait(false));
                response.StatusCode = 200;
                response.ContentType = contentType;
                response.ContentLength64 = bytes.Length;
                if (context.Request.HttpMethod == "GET")
                {
                    await response.OutputStream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            var format = _collector.Negotiate(context.Request.Headers["Accept"]);
            response.StatusCode = 200;
            response.ContentType = ExpositionFormats.ContentType(format);
            if (context.Request.HttpMethod == "GET")
            {
                response.SendChunked = true;
                await _collector.WriteAsync(response.OutputStream, format, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The scraper went away or we are stopping; nothing to answer.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
