using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using PostTrain.Kube.Models;

namespace PostTrain.Kube.Client;

/// <summary>
/// Typed access to one resource: get, list (paged), create, replace, delete, patch (merge, JSON patch,
/// server-side apply), the status subresource, and watch. A null namespace means the object's own namespace
/// or the client's default for single objects, and all namespaces for list and watch.
/// </summary>
/// <typeparam name="T">The model.</typeparam>
public sealed class ResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly KubernetesClient _client;

    internal ResourceClient(KubernetesClient client, ResourceDescriptor descriptor)
    {
        _client = client;
        Descriptor = descriptor;
    }

    /// <summary>The resource.</summary>
    public ResourceDescriptor Descriptor { get; }

    /// <summary>Reads one object; throws <see cref="KubernetesApiException"/> (404) when missing.</summary>
    public Task<T> GetAsync(string name, string? ns = null, CancellationToken cancellationToken = default) =>
        _client.SendForObjectAsync<T>(() => new HttpRequestMessage(HttpMethod.Get, Descriptor.ObjectPath(Ns(ns), name)), cancellationToken);

    /// <summary>Reads one object, or null when it does not exist.</summary>
    public async Task<T?> TryGetAsync(string name, string? ns = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await GetAsync(name, ns, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Lists one page.</summary>
    public Task<KubernetesList<T>> ListAsync(string? ns = null, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        var query = new QueryBuilder()
            .Add("labelSelector", options?.LabelSelector)
            .Add("fieldSelector", options?.FieldSelector)
            .Add("limit", options?.Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Add("continue", options?.Continue);
        return _client.SendForObjectAsync<KubernetesList<T>>(() => new HttpRequestMessage(HttpMethod.Get, Descriptor.CollectionPath(ListNs(ns)) + query), cancellationToken);
    }

    /// <summary>Lists every page, returning all items and the resourceVersion of the first page; an expired continue token falls back to one unpaged list.</summary>
    public async Task<KubernetesList<T>> ListAllAsync(string? ns = null, ListOptions? options = null, int pageSize = 500, CancellationToken cancellationToken = default)
    {
        var all = new KubernetesList<T>([], metadata: new V1ListMeta());
        var page = (options ?? new ListOptions()) with { Limit = pageSize, Continue = null };
        while (true)
        {
            KubernetesList<T> list;
            try
            {
                list = await ListAsync(ns, page, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsGone && page.Continue is not null)
            {
                // the continue token expired (history compacted mid-listing): fall back to one unpaged list, as client-go's pager does
                return await ListAsync(ns, page with { Limit = null, Continue = null }, cancellationToken).ConfigureAwait(false);
            }

            foreach (var item in list.Items ?? [])
            {
                all.Items.Add(item);
            }

            all.Kind = list.Kind;
            all.ApiVersion = list.ApiVersion;
            all.Metadata.ResourceVersion ??= list.Metadata?.ResourceVersion;
            if (string.IsNullOrEmpty(list.Metadata?.ContinueProperty))
            {
                return all;
            }

            page = page with { Continue = list.Metadata!.ContinueProperty };
        }
    }

    /// <summary>Creates an object; throws 409 AlreadyExists when the name is taken.</summary>
    public Task<T> CreateAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default)
    {
        Stamp(obj);
        var path = Descriptor.CollectionPath(Ns(obj.Metadata.NamespaceProperty)) + new QueryBuilder().Add("fieldManager", fieldManager);
        return _client.SendForObjectAsync<T>(() => new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(obj) }, cancellationToken);
    }

    /// <summary>Replaces an object (PUT); a stale metadata.resourceVersion gives 409 Conflict.</summary>
    public Task<T> ReplaceAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default) => Put(obj, null, fieldManager, cancellationToken);

    /// <summary>Replaces the status subresource (only status changes are kept).</summary>
    public Task<T> ReplaceStatusAsync(T obj, string? fieldManager = null, CancellationToken cancellationToken = default) => Put(obj, "status", fieldManager, cancellationToken);

    /// <summary>
    /// Reads the object, applies <paramref name="mutate"/> and writes it back (or its status), re-reading and
    /// retrying on 409 Conflict up to 5 times. Returns the stored object.
    /// </summary>
    public Task<T> UpdateAsync(string name, Action<T> mutate, string? ns = null, bool status = false, CancellationToken cancellationToken = default) =>
        ConflictRetry.RunAsync(
            async ct =>
            {
                var current = await GetAsync(name, ns, ct).ConfigureAwait(false);
                mutate(current);
                return await Put(current, status ? "status" : null, null, ct).ConfigureAwait(false);
            },
            cancellationToken: cancellationToken);

    /// <summary>Patches an object (or its status) with a body that is a JSON string, a JsonNode, or an object to serialize.</summary>
    public Task<T> PatchAsync(string name, PatchType type, object body, string? ns = null, string? fieldManager = null, bool force = false, bool status = false, CancellationToken cancellationToken = default)
    {
        if (type == PatchType.Apply && string.IsNullOrEmpty(fieldManager))
        {
            throw new ArgumentException("server-side apply needs a fieldManager", nameof(fieldManager));
        }

        var text = BodyText(body);
        var query = new QueryBuilder().Add("fieldManager", fieldManager).Add("force", force ? "true" : null);
        var path = Descriptor.ObjectPath(Ns(ns), name, status ? "status" : null) + query;
        return _client.SendForObjectAsync<T>(
            () => new HttpRequestMessage(HttpMethod.Patch, path) { Content = new StringContent(text, Encoding.UTF8, MediaTypeHeaderValue.Parse(PatchTypes.ContentType(type)).MediaType!) },
            cancellationToken);
    }

    /// <summary>
    /// Server-side apply: sends the fields set on <paramref name="obj"/> as the manager's desired state
    /// (creating the object when missing). Conflicts with other managers give 409 unless <paramref name="force"/>.
    /// </summary>
    public Task<T> ApplyAsync(T obj, string fieldManager, bool force = false, bool status = false, CancellationToken cancellationToken = default)
    {
        Stamp(obj);
        var node = JsonSerializer.SerializeToNode(obj, KubeJson.Options)!.AsObject();
        if (node["metadata"] is JsonObject meta)
        {
            foreach (var system in new[] { "managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "deletionTimestamp" })
            {
                meta.Remove(system);
            }
        }

        var name = obj.Metadata.Name ?? throw new ArgumentException("apply needs metadata.name", nameof(obj));
        return PatchAsync(name, PatchType.Apply, node, obj.Metadata.NamespaceProperty, fieldManager, force, status, cancellationToken);
    }

    /// <summary>
    /// POSTs <paramref name="body"/> (a JSON string, a JsonNode, or an object to serialize) to a subresource of one
    /// object, e.g. a Binding to <c>pods/NAME/binding</c> or an Eviction to <c>pods/NAME/eviction</c>. Returns the
    /// server's answer (often a Status), or null when it sent no body.
    /// </summary>
    public async Task<JsonNode?> CreateSubresourceAsync(string name, string subresource, object body, string? ns = null, CancellationToken cancellationToken = default)
    {
        var text = BodyText(body);
        var path = Descriptor.ObjectPath(Ns(ns), name, subresource);
        using var response = await _client.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(text, Encoding.UTF8, "application/json") },
            streaming: false,
            cancellationToken).ConfigureAwait(false);
        var json = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return string.IsNullOrWhiteSpace(json) ? null : JsonNode.Parse(json);
    }

    /// <summary>
    /// Deletes an object. Returns its last state (with a deletionTimestamp when finalizers still hold it),
    /// or null when the server answered with a Status.
    /// </summary>
    public async Task<T?> DeleteAsync(string name, string? ns = null, DeleteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1" };
        if (options?.PropagationPolicy is { } policy)
        {
            body["propagationPolicy"] = policy.ToString();
        }

        if (options?.GracePeriodSeconds is { } grace)
        {
            body["gracePeriodSeconds"] = grace;
        }

        if (options?.PreconditionUid is not null || options?.PreconditionResourceVersion is not null)
        {
            body["preconditions"] = new JsonObject { ["uid"] = options.PreconditionUid, ["resourceVersion"] = options.PreconditionResourceVersion };
        }

        var path = Descriptor.ObjectPath(Ns(ns), name);
        var text = body.ToJsonString();
        using var response = await _client.SendAsync(
            () => new HttpRequestMessage(HttpMethod.Delete, path) { Content = new StringContent(text, Encoding.UTF8, "application/json") },
            streaming: false,
            cancellationToken).ConfigureAwait(false);
        var json = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var parsed = JsonNode.Parse(json);
        return (string?)parsed?["kind"] == "Status" ? null : parsed.Deserialize<T>(KubeJson.Options);
    }

    /// <summary>
    /// Watches the resource: one stream of events until the server ends it (the enumeration completes), the
    /// connection drops (IOException/HttpRequestException), or the server sends an ERROR (thrown as
    /// <see cref="KubernetesApiException"/>, 410 when the version is too old). Informers handle the reconnects. The
    /// request is ours (its query: resourceVersion, bookmarks, selectors, timeout); the official client's
    /// <see cref="Watcher{T}"/> reads the line-separated stream and decodes each event.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? ns = null, WatchOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new WatchOptions();
        var query = new QueryBuilder()
            .Add("watch", "1")
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowBookmarks ? "true" : null)
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var path = Descriptor.CollectionPath(ListNs(ns)) + query;
        using var response = await _client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), streaming: true, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // The official watcher calls back on its own task; the channel hands its events to this enumerator in order
            // and ends it with the watcher's first error (the server's ERROR event, a broken line or a dropped connection).
            var events = Channel.CreateUnbounded<WatchEvent<T>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            using var watcher = new Watcher<T>(
                () => Task.FromResult<TextReader>(new NonBlankLineReader(new StreamReader(stream, Encoding.UTF8))),
                (type, obj) => events.Writer.TryWrite(new WatchEvent<T>(type, obj)),
                error => events.Writer.TryComplete(WatchError(error)),
                () => events.Writer.TryComplete());
            using var stop = cancellationToken.Register(() => events.Writer.TryComplete(new OperationCanceledException(cancellationToken)));
            while (await events.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (events.Reader.TryRead(out var item))
                {
                    yield return item;
                }
            }
        }
    }

    /// <summary>Our exception for an error the official watcher reported: the server's Status, or what broke.</summary>
    private static Exception WatchError(Exception error) => error switch
    {
        KubernetesException { Status: { } status } => new KubernetesApiException(
            status.Code is > 0 ? (HttpStatusCode)status.Code.Value : HttpStatusCode.InternalServerError,
            status,
            $"watch error: {status.Code} {status.Reason}: {status.Message}"),
        JsonException json => new KubernetesApiException(HttpStatusCode.InternalServerError, null, $"watch event that is not the expected JSON: {json.Message}", inner: json),
        _ => error,
    };

    private static string BodyText(object body) => body switch
    {
        string s => s,
        JsonNode n => n.ToJsonString(),
        _ => JsonSerializer.Serialize(body, body.GetType(), KubeJson.Options),
    };

    private Task<T> Put(T obj, string? subresource, string? fieldManager, CancellationToken cancellationToken)
    {
        Stamp(obj);
        var name = obj.Metadata.Name ?? throw new ArgumentException("replace needs metadata.name", nameof(obj));
        var path = Descriptor.ObjectPath(Ns(obj.Metadata.NamespaceProperty), name, subresource) + new QueryBuilder().Add("fieldManager", fieldManager);
        return _client.SendForObjectAsync<T>(() => new HttpRequestMessage(HttpMethod.Put, path) { Content = Json(obj) }, cancellationToken);
    }

    private void Stamp(T obj)
    {
        obj.ApiVersion ??= Descriptor.ApiVersion;
        obj.Kind ??= Descriptor.Kind;
        if (Descriptor.Namespaced)
        {
            obj.Metadata.NamespaceProperty ??= _client.DefaultNamespace;
        }
    }

    private string? Ns(string? ns) => Descriptor.Namespaced ? ns ?? _client.DefaultNamespace : null;

    private string? ListNs(string? ns) => Descriptor.Namespaced ? ns : null;

    private static StringContent Json(T obj) => new(JsonSerializer.Serialize(obj, obj.GetType(), KubeJson.Options), Encoding.UTF8, "application/json");
}
