using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Api.Worker;

namespace PostTrain.Operator.Workers;

/// <summary>GETs <c>http://&lt;podIP&gt;:&lt;port&gt;/status</c> with a short timeout.</summary>
public sealed class HttpWorkerStatusClient : IWorkerStatusClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly ILogger _logger;

    /// <summary>Creates the client.</summary>
    /// <param name="timeout">Per-request timeout (default 2 s).</param>
    /// <param name="logger">Where failures are logged at debug level.</param>
    public HttpWorkerStatusClient(TimeSpan? timeout = null, ILogger? logger = null)
    {
        _http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(2) };
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<WorkerStatus?> GetStatusAsync(string podIp, int port, CancellationToken cancellationToken)
    {
        var host = podIp.Contains(':', StringComparison.Ordinal) ? $"[{podIp}]" : podIp;
        try
        {
            return await _http.GetFromJsonAsync(new Uri($"http://{host}:{port}/status"), WorkerJsonContext.Default.WorkerStatus, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            _logger.LogDebug(e, "worker status from {Host}:{Port} unavailable", host, port);
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
