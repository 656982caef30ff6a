using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PostTrain.Torch.NN;

/// <summary>
/// Activation checkpointing (<c>torch.utils.checkpoint</c>, reentrant form): trades compute for memory. The forward
/// pass runs a segment without keeping its intermediate activations, saving only the segment's input; backward runs
/// the segment again with gradients, under the autocast state and with the random numbers of the first run, and
/// back-propagates through it. Gradients equal those of the plain forward pass.
/// </summary>
public static class ActivationCheckpoint
{
    private static long segmentRuns;

    /// <summary>Segment runs in this process so far, first runs and recomputations alike (a diagnostic).</summary>
    public static long SegmentRuns => Interlocked.Read(ref segmentRuns);

    /// <summary>
    /// <paramref name="segment"/>(<paramref name="input"/>), with the segment's activations recomputed in backward.
    /// Without gradient recording (<see cref="Tensors.NoGrad"/>) it is just the call. The segment must be a pure
    /// function of its input and of tensors that stay unchanged until backward (parameters, masks).
    /// </summary>
    public static Tensor Run(Func<Tensor, Tensor> segment, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return Run((x, _) => segment(x), input, []);
    }

    /// <summary>
    /// As <see cref="Run(Func{Tensor, Tensor}, Tensor)"/>, for a segment that also reads other tensors (rotary tables,
    /// an attention mask): they are passed in <paramref name="captured"/> and handed back to the segment on each run,
    /// held by the checkpoint itself, so the caller may dispose its own handles before backward.
    /// </summary>
    public static unsafe Tensor Run(Func<Tensor, IReadOnlyList<Tensor>, Tensor> segment, Tensor input, IReadOnlyList<Tensor> captured)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(captured);
        if (!Tensors.IsGradEnabled)
        {
            return segment(input, captured);
        }

        // The handle keeps the segment and its own references to the captured tensors alive until libtorch frees the
        // autograd node that holds it (FreeSegment).
        var held = new Segment(segment, [.. captured.Select(t => t.Alias().DetachFromDisposeScope())]);
        var state = GCHandle.ToIntPtr(GCHandle.Alloc(held));
        var s = NativeMethods.Checkpoint(&RunSegment, &FreeSegment, state, input.Handle, out var output);
        GC.KeepAlive(input);
        return Tensor.Wrap(s, output);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int RunSegment(IntPtr state, IntPtr input, IntPtr* output)
    {
        try
        {
            Interlocked.Increment(ref segmentRuns);
            var segment = (Segment)GCHandle.FromIntPtr(state).Target!;
            using var scope = TorchScope.NewDisposeScope();
            var x = new Tensor(input); // owned by this callback: the scope frees it
            var y = segment.Function(x, segment.Captured);
            NativeMethods.Check(NativeMethods.TensorAlias(y.Handle, out var result));
            GC.KeepAlive(y);
            *output = result;
            return 0;
        }
        catch (Exception e)
        {
            _ = NativeMethods.CheckpointSegmentFailed($"{e.GetType().Name}: {e.Message}");
            return 1;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void FreeSegment(IntPtr state)
    {
        var handle = GCHandle.FromIntPtr(state);
        var segment = (Segment)handle.Target!;
        handle.Free();
        foreach (var t in segment.Captured)
        {
            t.Dispose();
        }
    }

    private sealed record Segment(Func<Tensor, IReadOnlyList<Tensor>, Tensor> Function, Tensor[] Captured);
}
