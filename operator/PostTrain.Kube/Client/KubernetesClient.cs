using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Polly;
using Polly.Retry;
using PostTrain.Kube.Config;
using PostTrain.Kube.Models;

namespace PostTrain.Kube.Client;

/// <summary>
/// A Kubernetes API client: one <see cref="HttpClient"/>, and a <see cref="ResourceClient{T}"/> per kind.
/// 429 responses (and 5xx with Retry-After) are retried after the server's Retry-After (a Polly retry; exponential
/// backoff with jitter when a 429 carries none).
/// </summary>
public sealed class KubernetesClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;
    private readonly ConcurrentDictionary<(Type, ResourceDescriptor), object> _resources = new();

    /// <summary>Creates a client from a configuration.</summary>
    /// <param name="configuration">The server, credentials and limits.</param>
    /// <param name="timeProvider">The clock of the pauses between retries (and of Retry-After dates); <see cref="TimeProvider.System"/> when null.</param>
    public KubernetesClient(KubernetesClientConfiguration configuration, TimeProvider? timeProvider = null)
        : this(new HttpClient(configuration.CreateHandler()) { BaseAddress = configuration.Server, Timeout = Timeout.InfiniteTimeSpan }, configuration, ownsHttp: true, timeProvider)
    {
    }

    /// <summary>Creates a client over an existing HttpClient whose BaseAddress is the API server.</summary>
    /// <param name="http">The client the requests go through.</param>
    /// <param name="configuration">The server, credentials and limits.</param>
    /// <param name="ownsHttp">Whether <see cref="Dispose"/> disposes <paramref name="http"/>.</param>
    /// <param name="timeProvider">The clock of the pauses between retries (and of Retry-After dates); <see cref="TimeProvider.System"/> when null.</param>
    public KubernetesClient(HttpClient http, KubernetesClientConfiguration configuration, bool ownsHttp = false, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _http = http;
        _ownsHttp = ownsHttp;
        _time = timeProvider ?? TimeProvider.System;
        _retry = BuildRetry(configuration, _time);
        Configuration = configuration;
        if (!_http.DefaultRequestHeaders.UserAgent.TryParseAdd(configuration.UserAgent))
        {
            throw new KubeConfigException($"User-Agent \"{configuration.UserAgent}\" is not a valid header value");
        }
    }

    /// <summary>The configuration.</summary>
    public KubernetesClientConfiguration Configuration { get; }

    /// <summary>The namespace used when a call names none.</summary>
    public string DefaultNamespace => Configuration.Namespace;

    /// <summary>The client of a modelled kind (declared with <see cref="KubernetesEntityAttribute"/>).</summary>
    public ResourceClient<T> Resource<T>()
        where T : class, IKubernetesObject => Resource<T>(ResourceDescriptor.For<T>());

    /// <summary>The client of a kind at an explicit resource (e.g. <see cref="GenericObject"/> for any resource).</summary>
    public ResourceClient<T> Resource<T>(ResourceDescriptor descriptor)
        where T : class, IKubernetesObject =>
        (ResourceClient<T>)_resources.GetOrAdd((typeof(T), descriptor), key => new ResourceClient<T>(this, key.Item2));

    /// <summary>Pods.</summary>
    public ResourceClient<Pod> Pods => Resource<Pod>();

    /// <summary>batch/v1 Jobs.</summary>
    public ResourceClient<Job> Jobs => Resource<Job>();

    /// <summary>Services.</summary>
    public ResourceClient<Service> Services => Resource<Service>();

    /// <summary>ConfigMaps.</summary>
    public ResourceClient<ConfigMap> ConfigMaps => Resource<ConfigMap>();

    /// <summary>networking.k8s.io/v1 NetworkPolicies.</summary>
    public ResourceClient<NetworkPolicy> NetworkPolicies => Resource<NetworkPolicy>();

    /// <summary>Secrets.</summary>
    public ResourceClient<Secret> Secrets => Resource<Secret>();

    /// <summary>PersistentVolumeClaims.</summary>
    public ResourceClient<PersistentVolumeClaim> PersistentVolumeClaims => Resource<PersistentVolumeClaim>();

    /// <summary>events.k8s.io/v1 Events.</summary>
    public ResourceClient<EventsV1Event> Events => Resource<EventsV1Event>();

    /// <summary>coordination.k8s.io/v1 Leases.</summary>
    public ResourceClient<Lease> Leases => Resource<Lease>();

    /// <summary>CustomResourceDefinitions.</summary>
    public ResourceClient<CustomResourceDefinition> CustomResourceDefinitions => Resource<CustomResourceDefinition>();

    /// <summary>Sends a request built by <paramref name="build"/> (called again for each retry); throws <see cref="KubernetesApiException"/> on failure.</summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, bool streaming, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(
            static (state, token) => state.Self.SendOnceAsync(state.build, state.streaming, token),
            (Self: this, build, streaming),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Retries (Polly) 429, and 5xx that carry Retry-After, at most <see cref="KubernetesClientConfiguration.MaxRetries"/>
    /// times: after the server's Retry-After, or with exponential backoff and jitter from one second when it sends none.
    /// </summary>
    private static ResiliencePipeline BuildRetry(KubernetesClientConfiguration configuration, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (configuration.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = configuration.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                ShouldHandle = new PredicateBuilder().Handle<KubernetesApiException>(e => e.IsTooManyRequests || ((int)e.StatusCode >= 500 && e.RetryAfter is not null)),
                DelayGenerator = static args => ValueTask.FromResult((args.Outcome.Exception as KubernetesApiException)?.RetryAfter),
            });
        }

        return builder.Build();
    }

    private async ValueTask<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> build, bool streaming, CancellationToken cancellationToken)
    {
        using var timeout = streaming ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout?.CancelAfter(Configuration.RequestTimeout);
        using var request = build();
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
        {
            // keep a path prefix of the server URL (API servers behind proxies: https://host/k8s/clusters/c-1)
            request.RequestUri = new Uri(Configuration.Server.AbsoluteUri.TrimEnd('/') + relative.OriginalString);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout?.Token ?? cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesApiException(HttpStatusCode.GatewayTimeout, null, $"{request.Method} {request.RequestUri}: no response within {Configuration.RequestTimeout.TotalSeconds:0.#} s", inner: e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ToExceptionAsync(request, response, RetryAfter(response), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a request and deserializes the response body.</summary>
    internal async Task<TResult> SendForObjectAsync<TResult>(Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(build, streaming: false, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Configuration.RequestTimeout);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync<TResult>(body, KubeJson.Options, timeout.Token).ConfigureAwait(false)
                ?? throw new KubernetesApiException(response.StatusCode, null, "the server answered with an empty body");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesApiException(HttpStatusCode.GatewayTimeout, null, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: the response body did not arrive within {Configuration.RequestTimeout.TotalSeconds:0.#} s", inner: e);
        }
        catch (JsonException e)
        {
            throw new KubernetesApiException(response.StatusCode, null, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: the response is not the expected JSON: {e.Message}", inner: e);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }

            if (header.Date is { } date)
            {
                var wait = date - _time.GetUtcNow();
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
        }

        if (response.Headers.TryGetValues("Retry-After", out var values) && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    private static async Task<KubernetesApiException> ToExceptionAsync(HttpRequestMessage request, HttpResponseMessage response, TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        StatusBody? status = null;
        try
        {
            status = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonSerializer.Deserialize<StatusBody>(text, KubeJson.Options) : null;
        }
        catch (JsonException)
        {
            // not a Status body
        }

        var message = status?.Message is { Length: > 0 } m ? m : text.Length > 0 ? text : response.ReasonPhrase ?? "";
        return new KubernetesApiException(response.StatusCode, status, $"{request.Method} {request.RequestUri?.PathAndQuery}: {(int)response.StatusCode} {status?.Reason ?? response.StatusCode.ToString()}: {message}", retryAfter);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
