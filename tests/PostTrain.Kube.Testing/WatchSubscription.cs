using System.Threading.Channels;

namespace PostTrain.Kube.Testing;

/// <summary>A registered watcher: the events it must replay first, then the live events as they commit.</summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Action<WatchSubscription> _onDispose;

    internal WatchSubscription(string storageKey, string? ns, IReadOnlyList<StoreEvent> initial, long startVersion, Action<WatchSubscription> onDispose)
    {
        StorageKey = storageKey;
        Namespace = ns;
        Initial = initial;
        StartVersion = startVersion;
        _onDispose = onDispose;
    }

    /// <summary>The watched resource.</summary>
    public string StorageKey { get; }

    /// <summary>The watched namespace, or null for all.</summary>
    public string? Namespace { get; }

    /// <summary>Events to send before the live ones (history after the requested version, or synthetic ADDED).</summary>
    public IReadOnlyList<StoreEvent> Initial { get; }

    /// <summary>The store version when the watch started.</summary>
    public long StartVersion { get; }

    internal Channel<StoreEvent> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<StoreEvent>(new UnboundedChannelOptions { SingleReader = false });

    /// <summary>Live events.</summary>
    public ChannelReader<StoreEvent> Events => Channel.Reader;

    /// <summary>Unregisters the watcher.</summary>
    public void Dispose()
    {
        _onDispose(this);
        Channel.Writer.TryComplete();
    }
}
