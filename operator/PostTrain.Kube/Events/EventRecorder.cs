using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PostTrain.Kube.Client;

namespace PostTrain.Kube.Events;

/// <summary>
/// Records events.k8s.io/v1 Events. Repeats of the same event (same object, type, reason, action and note)
/// within <see cref="SeriesWindow"/> are folded into the first one's series (count and lastObservedTime)
/// instead of creating new objects. Recording is best effort: failures are logged, never thrown.
/// </summary>
public sealed class EventRecorder
{
    /// <summary>Normal event type.</summary>
    public const string Normal = "Normal";

    /// <summary>Warning event type.</summary>
    public const string Warning = "Warning";

    private const int MaxNoteBytes = 1024;
    private readonly ResourceClient<Eventsv1Event> _events;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _recent = new(StringComparer.Ordinal);

    /// <summary>Creates a recorder.</summary>
    /// <param name="client">The API client.</param>
    /// <param name="reportingController">The controller name, e.g. "example.com/widget-controller".</param>
    /// <param name="reportingInstance">This instance, e.g. the pod name.</param>
    /// <param name="logger">Logger for failures.</param>
    /// <param name="time">Clock, for tests.</param>
    public EventRecorder(KubernetesClient client, string reportingController, string reportingInstance, ILogger? logger = null, TimeProvider? time = null)
    {
        _events = client.Events;
        ReportingController = reportingController;
        ReportingInstance = reportingInstance;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The reporting controller.</summary>
    public string ReportingController { get; }

    /// <summary>The reporting instance.</summary>
    public string ReportingInstance { get; }

    /// <summary>How long a repeat still joins the earlier event's series (client-go: 6 minutes).</summary>
    public TimeSpan SeriesWindow { get; init; } = TimeSpan.FromMinutes(6);

    /// <summary>Records an event about <paramref name="regarding"/>; returns the event as stored, or null when recording failed.</summary>
    public async Task<Eventsv1Event?> RecordAsync(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string action, string note, IKubernetesObject<V1ObjectMeta>? related = null, CancellationToken cancellationToken = default)
    {
        if (type is not (Normal or Warning))
        {
            throw new ArgumentException($"event type must be {Normal} or {Warning}, got \"{type}\"", nameof(type));
        }

        note = Truncate(note);
        var ns = string.IsNullOrEmpty(regarding.Metadata.NamespaceProperty) ? "default" : regarding.Metadata.NamespaceProperty;
        var key = string.Join('\u001f', regarding.Metadata.Uid, regarding.Kind, ns, regarding.Metadata.Name, type, reason, action, note);
        var now = _time.GetUtcNow();
        Entry? previous;
        lock (_gate)
        {
            previous = _recent.GetValueOrDefault(key);
            if (previous is not null && now - previous.LastObserved > SeriesWindow)
            {
                previous = null;
            }
        }

        try
        {
            Eventsv1Event stored;
            if (previous is not null)
            {
                var count = previous.Count + 1;
                var patch = new Eventsv1Event { Series = new Eventsv1EventSeries { Count = count, LastObservedTime = now.UtcDateTime } };
                try
                {
                    stored = await _events.PatchAsync(previous.Name, PatchType.Merge, new { series = patch.Series }, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                catch (KubernetesApiException e) when (e.IsNotFound)
                {
                    stored = await CreateAsync(regarding, related, ns, type, reason, action, note, now, cancellationToken).ConfigureAwait(false);
                    count = 1;
                }

                Remember(key, stored.Metadata.Name!, count, now);
                return stored;
            }

            stored = await CreateAsync(regarding, related, ns, type, reason, action, note, now, cancellationToken).ConfigureAwait(false);
            Remember(key, stored.Metadata.Name!, 1, now);
            return stored;
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException)
        {
            _logger.LogWarning("event {Reason} on {Kind} {Namespace}/{Name} not recorded: {Message}", reason, regarding.Kind, ns, regarding.Metadata.Name, e.Message);
            return null;
        }
    }

    private Task<Eventsv1Event> CreateAsync(IKubernetesObject<V1ObjectMeta> regarding, IKubernetesObject<V1ObjectMeta>? related, string ns, string type, string reason, string action, string note, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var name = $"{regarding.Metadata.Name}.{(now.UtcTicks * 100).ToString("x", CultureInfo.InvariantCulture)}";
        var e = new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            EventTime = now.UtcDateTime,
            ReportingController = ReportingController,
            ReportingInstance = ReportingInstance,
            Action = action,
            Reason = reason,
            Type = type,
            Note = note,
            Regarding = Reference(regarding),
            Related = related is null ? null : Reference(related),
        };
        return _events.CreateAsync(e, cancellationToken: cancellationToken);
    }

    private void Remember(string key, string name, int count, DateTimeOffset now)
    {
        lock (_gate)
        {
            _recent[key] = new Entry(name, count, now);
            if (_recent.Count > 4096)
            {
                foreach (var stale in _recent.Where(p => now - p.Value.LastObserved > SeriesWindow).Select(p => p.Key).ToList())
                {
                    _recent.Remove(stale);
                }
            }
        }
    }

    private static V1ObjectReference Reference(IKubernetesObject<V1ObjectMeta> obj) => new()
    {
        ApiVersion = obj.ApiVersion,
        Kind = obj.Kind,
        NamespaceProperty = obj.Metadata.NamespaceProperty,
        Name = obj.Metadata.Name,
        Uid = obj.Metadata.Uid,
        ResourceVersion = obj.Metadata.ResourceVersion,
    };

    private static string Truncate(string note)
    {
        if (Encoding.UTF8.GetByteCount(note) <= MaxNoteBytes)
        {
            return note;
        }

        var end = note.Length;
        while (Encoding.UTF8.GetByteCount(note.AsSpan(0, end)) > MaxNoteBytes - 3)
        {
            end--;
        }

        return note[..end] + "...";
    }

    private sealed record Entry(string Name, int Count, DateTimeOffset LastObserved);
}
