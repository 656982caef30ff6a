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
    /// <summary>
    /// <paramref name="segment"/>(<paramref name="input"/>), with the segment's activations recomputed in backward.
    /// Without gradient recording (<see cref="Tensors.NoGrad"/>) it is just the call. The segment must be a pure
    /// function of its input and of tensors that stay unchanged until backward (parameters, masks).
    /// </summary>
    public static unsafe Tensor Run(Func<Tensor, Tensor> segment, Tensor input)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(input);
        if (!Tensors.IsGradEnabled)
        {
            return segment(input);
        }

        // The handle keeps the segment alive until libtorch frees the autograd node that holds it (FreeSegment).
        var state = GCHandle.ToIntPtr(GCHandle.Alloc(segment));
        var s = NativeMethods.Checkpoint(&RunSegment, &FreeSegment, state, input.Handle, out var output);
        GC.KeepAlive(input);
        return Tensor.Wrap(s, output);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static unsafe int RunSegment(IntPtr state, IntPtr input, IntPtr* output)
    {
        try
        {
            var segment = (Func<Tensor, Tensor>)GCHandle.FromIntPtr(state).Target!;
            using var scope = TorchScope.NewDisposeScope();
            var x = new Tensor(input); // owned by this callback: the scope frees it
            var y = segment(x);
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
    private static void FreeSegment(IntPtr state) => GCHandle.FromIntPtr(state).Free();
}
