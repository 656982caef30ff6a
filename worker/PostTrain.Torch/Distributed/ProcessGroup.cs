using System.Globalization;

namespace PostTrain.Torch.Distributed;

/// <summary>
/// A c10d process group: ranks meet through a TCP store at MASTER_ADDR:MASTER_PORT (rank 0 hosts it), then run
/// collectives over Gloo (CPU) or NCCL (CUDA). Collectives are blocking and operate in place.
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private IntPtr handle;

    private ProcessGroup(IntPtr handle, int rank, int worldSize, Backend backend)
    {
        this.handle = handle;
        Rank = rank;
        WorldSize = worldSize;
        Backend = backend;
    }

    /// <summary>Frees the group if Dispose was never called.</summary>
    ~ProcessGroup() => Free();

    /// <summary>This process's rank.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int WorldSize { get; }

    /// <summary>The backend in use.</summary>
    public Backend Backend { get; }

    /// <summary>Joins a group; blocks until all <paramref name="worldSize"/> ranks have joined or the timeout passes.</summary>
    public static ProcessGroup Create(string masterAddress, int masterPort, int rank, int worldSize, Backend backend = Backend.Gloo, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(masterAddress);
        var ms = (long)(timeout ?? TimeSpan.FromMinutes(5)).TotalMilliseconds;
        NativeMethods.Check(NativeMethods.DistInit(masterAddress, masterPort, rank, worldSize, (int)backend, ms, out var h));
        return new ProcessGroup(h, rank, worldSize, backend);
    }

    /// <summary>Joins a group described by MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE (PyTorch's env:// method).</summary>
    public static ProcessGroup FromEnvironment(Backend backend = Backend.Gloo, TimeSpan? timeout = null, Func<string, string?>? getEnv = null)
    {
        getEnv ??= Environment.GetEnvironmentVariable;
        string Need(string name) => getEnv(name) is { Length: > 0 } v ? v : throw new InvalidOperationException($"environment variable {name} is not set (need MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE)");
        int Int(string name)
        {
            var v = Need(name);
            return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new InvalidOperationException($"environment variable {name}='{v}' is not an integer");
        }

        return Create(Need("MASTER_ADDR"), Int("MASTER_PORT"), Int("RANK"), Int("WORLD_SIZE"), backend, timeout);
    }

    /// <summary>Combines the tensor across ranks in place.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var s = NativeMethods.DistAllReduce(Handle, tensor.Handle, (int)op);
        GC.KeepAlive(tensor);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
    }

    /// <summary>Overwrites the tensor on every rank with the <paramref name="root"/> rank's values.</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var s = NativeMethods.DistBroadcast(Handle, tensor.Handle, root);
        GC.KeepAlive(tensor);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
    }

    /// <summary>
    /// Every rank's <paramref name="input"/> stacked in rank order, <c>[WorldSize, ...input.Shape]</c>, on every rank.
    /// Inputs must have the same shape, dtype and device on all ranks (CUDA tensors for NCCL).
    /// </summary>
    public Tensor AllGather(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var contiguous = input.Contiguous();
        var output = Tensors.Empty([WorldSize, .. input.Shape], input.DType, input.Device);
        var s = NativeMethods.DistAllGather(Handle, contiguous.Handle, output.Handle);
        GC.KeepAlive(contiguous);
        GC.KeepAlive(output);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
        return output;
    }

    /// <summary>Blocks until every rank has reached the barrier.</summary>
    public void Barrier()
    {
        var s = NativeMethods.DistBarrier(Handle);
        GC.KeepAlive(this);
        NativeMethods.Check(s);
    }

    /// <summary>Leaves the group.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private IntPtr Handle => handle != IntPtr.Zero ? handle : throw new ObjectDisposedException(nameof(ProcessGroup));

    private void Free()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            _ = NativeMethods.DistFree(h);
        }
    }
}
