namespace PostTrain.Torch;

/// <summary>
/// Counts data crossing between .NET memory and tensors while it is active (for the current async flow and what it
/// starts): host arrays turned into tensors, tensor values read back into .NET (<c>Item</c>, <c>ToArray</c>,
/// <c>CopyTo</c>), and explicit moves between devices (<c>To(device)</c>, <c>Cpu()</c>, <c>Cuda()</c>, counted even when
/// the tensor is already there). On a GPU each of these is a host↔device copy and a synchronisation point, so a
/// training step that keeps its work on the device shows a small, fixed count here even when run on the CPU: tests
/// pin that count. <c>using var counter = HostTransfers.Count();</c>
/// </summary>
public sealed class HostTransfers : IDisposable
{
    private static readonly AsyncLocal<HostTransfers?> Current = new();
    private readonly HostTransfers? _parent;
    private long _hostToTensor;
    private long _tensorToHost;
    private long _deviceMoves;
    private bool _disposed;

    private HostTransfers(HostTransfers? parent) => _parent = parent;

    /// <summary>Host arrays or spans copied into new tensors.</summary>
    public long HostToTensor => Interlocked.Read(ref _hostToTensor);

    /// <summary>Tensor values copied out to .NET memory (each <c>Item</c>, <c>ToArray</c> or <c>CopyTo</c>).</summary>
    public long TensorToHost => Interlocked.Read(ref _tensorToHost);

    /// <summary>Explicit device conversions.</summary>
    public long DeviceMoves => Interlocked.Read(ref _deviceMoves);

    /// <summary>All three together.</summary>
    public long Total => HostToTensor + TensorToHost + DeviceMoves;

    /// <summary>Starts counting; counters already active (outer scopes) keep counting too.</summary>
    public static HostTransfers Count()
    {
        var counter = new HostTransfers(Current.Value);
        Current.Value = counter;
        return counter;
    }

    /// <summary>Stops counting; the figures stay readable.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ReferenceEquals(Current.Value, this))
        {
            Current.Value = _parent;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{HostToTensor} host→tensor, {TensorToHost} tensor→host, {DeviceMoves} device moves";

    internal static void OnHostToTensor()
    {
        for (var c = Current.Value; c is not null; c = c._parent)
        {
            Interlocked.Increment(ref c._hostToTensor);
        }
    }

    internal static void OnTensorToHost()
    {
        for (var c = Current.Value; c is not null; c = c._parent)
        {
            Interlocked.Increment(ref c._tensorToHost);
        }
    }

    internal static void OnDeviceMove()
    {
        for (var c = Current.Value; c is not null; c = c._parent)
        {
            Interlocked.Increment(ref c._deviceMoves);
        }
    }
}
