using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Polly;
using Polly.Retry;
using PostTrain.Kube.Models;
using OfficialConfiguration = k8s.KubernetesClientConfiguration;

namespace PostTrain.Kube.Client;

/// <summary>
/// A Kubernetes API client: a <see cref="ResourceClient{T}"/> per kind, whose requests go through the official
/// client's authenticated <see cref="HttpClient"/> (its TLS trust, client certificate and credentials: token, rotating
/// token file, exec plugin, OIDC). 429 responses (and 5xx with Retry-After) are retried after the server's Retry-After (a Polly retry; exponential
/// backoff with jitter when a 429 carries none).
/// </summary>
public sealed class KubernetesClient : IDisposable
{
    private readonly k8s.Kubernetes _official;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retry;
    private readonly ConcurrentDictionary<(Type, ResourceDescriptor), object> _resources = new();

    /// <summary>Creates a client from the official configuration (see <see cref="Config.KubeClientConfig"/> for where one comes from).</summary>
    /// <param name="configuration">The server, trust, credentials, namespace, User-Agent and request timeout (<see cref="OfficialConfiguration.HttpClientTimeout"/>, which does not apply to watches).</param>
    /// <param name="maxRetries">How many times a 429 (or 5xx with Retry-After) is retried after waiting Retry-After.</param>
    /// <param name="timeProvider">The clock of the pauses between retries (and of Retry-After dates); <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="handlers">
    /// Handlers between ours and the official transport, outermost first (the official client's own extension point):
    /// logging, or in tests one that answers instead of the network. The client disposes them.
    /// </param>
    /// <exception cref="k8s.Exceptions.KubeConfigException">The configuration names no valid server.</exception>
    public KubernetesClient(OfficialConfiguration configuration, int maxRetries = 5, TimeProvider? timeProvider = null, params DelegatingHandler[] handlers)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _time = timeProvider ?? TimeProvider.System;
        _retry = BuildRetry(maxRetries, _time);
        Configuration = configuration;
        MaxRetries = maxRetries;
        RequestTimeout = configuration.HttpClientTimeout;
        DefaultNamespace = string.IsNullOrEmpty(configuration.Namespace) ? "default" : configuration.Namespace;
        _official = new k8s.Kubernetes(configuration, [new OfficialCredentialsHandler(k8s.Kubernetes.CreateCredentials(configuration), configuration.TlsServerName), .. handlers]);
        _http = _official.HttpClient;
        Server = _official.BaseUri;
    }

    /// <summary>The official configuration the client was made from.</summary>
    public OfficialConfiguration Configuration { get; }

    /// <summary>The official client over the same connection pool, for its typed operations (our requests go through <see cref="ResourceClient{T}"/>).</summary>
    public k8s.IKubernetes Official => _official;

    /// <summary>The API server; a path prefix (a proxy's /k8s/clusters/c-1/) is kept in every request.</summary>
    public Uri Server { get; }

    /// <summary>The timeout of non-watch requests.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>How many times a 429 (or 5xx with Retry-After) is retried.</summary>
    public int MaxRetries { get; }

    /// <summary>The namespace used when a call names none (the kubeconfig context's, the pod's, or "default").</summary>
    public string DefaultNamespace { get; }

    /// <summary>The client of a modelled kind (declared with <see cref="KubernetesEntityAttribute"/>).</summary>
    public ResourceClient<T> Resource<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> => Resource<T>(ResourceDescriptor.For<T>());

    /// <summary>The client of a kind at an explicit resource (e.g. <see cref="GenericObject"/> for any resource).</summary>
    public ResourceClient<T> Resource<T>(ResourceDescriptor descriptor)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (ResourceClient<T>)_resources.GetOrAdd((typeof(T), descriptor), key => new ResourceClient<T>(this, key.Item2));

    /// <summary>Pods.</summary>
    public ResourceClient<V1Pod> Pods => Resource<V1Pod>();

    /// <summary>batch/v1 Jobs.</summary>
    public ResourceClient<V1Job> Jobs => Resource<V1Job>();

    /// <summary>Services.</summary>
    public ResourceClient<V1Service> Services => Resource<V1Service>();

    /// <summary>ConfigMaps.</summary>
    public ResourceClient<V1ConfigMap> ConfigMaps => Resource<V1ConfigMap>();

    /// <summary>networking.k8s.io/v1 NetworkPolicies.</summary>
    public ResourceClient<V1NetworkPolicy> NetworkPolicies => Resource<V1NetworkPolicy>();

    /// <summary>Secrets.</summary>
    public ResourceClient<V1Secret> Secrets => Resource<V1Secret>();

    /// <summary>PersistentVolumeClaims.</summary>
    public ResourceClient<V1PersistentVolumeClaim> PersistentVolumeClaims => Resource<V1PersistentVolumeClaim>();

    /// <summary>events.k8s.io/v1 Events.</summary>
    public ResourceClient<Eventsv1Event> Events => Resource<Eventsv1Event>();

    /// <summary>coordination.k8s.io/v1 Leases.</summary>
    public ResourceClient<V1Lease> Leases => Resource<V1Lease>();

    /// <summary>CustomResourceDefinitions.</summary>
    public ResourceClient<V1CustomResourceDefinition> CustomResourceDefinitions => Resource<V1CustomResourceDefinition>();

    /// <summary>Sends a request built by <paramref name="build"/> (called again for each retry); throws <see cref="KubernetesApiException"/> on failure.</summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, bool streaming, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(
            static (state, token) => state.Self.SendOnceAsync(state.build, state.streaming, token),
            (Self: this, build, streaming),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Retries (Polly) 429, and 5xx that carry Retry-After, at most <paramref name="maxRetries"/> times: after the
    /// server's Retry-After, or with exponential backoff and jitter from one second when it sends none.
    /// </summary>
    private static ResiliencePipeline BuildRetry(int maxRetries, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetries,
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
        timeout?.CancelAfter(RequestTimeout);
        using var request = build();
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
        {
            // keep a path prefix of the server URL (API servers behind proxies: https://host/k8s/clusters/c-1)
            request.RequestUri = new Uri(Server.AbsoluteUri.TrimEnd('/') + relative.OriginalString);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout?.Token ?? cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesApiException(HttpStatusCode.GatewayTimeout, null, $"{request.Method} {request.RequestUri}: no response within {RequestTimeout.TotalSeconds:0.#} s", inner: e);
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
        timeout.CancelAfter(RequestTimeout);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            return await JsonSerializer.DeserializeAsync<TResult>(body, KubeJson.Options, timeout.Token).ConfigureAwait(false)
                ?? throw new KubernetesApiException(response.StatusCode, null, "the server answered with an empty body");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesApiException(HttpStatusCode.GatewayTimeout, null, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: the response body did not arrive within {RequestTimeout.TotalSeconds:0.#} s", inner: e);
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
        V1Status? status = null;
        try
        {
            status = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonSerializer.Deserialize<V1Status>(text, KubeJson.Options) : null;
        }
        catch (JsonException)
        {
            // not a Status body
        }

        var message = status?.Message is { Length: > 0 } m ? m : text.Length > 0 ? text : response.ReasonPhrase ?? "";
        return new KubernetesApiException(response.StatusCode, status, $"{request.Method} {request.RequestUri?.PathAndQuery}: {(int)response.StatusCode} {status?.Reason ?? response.StatusCode.ToString()}: {message}", retryAfter);
    }

    /// <inheritdoc />
    public void Dispose() => _official.Dispose();
}
