using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PostTrain.Torch;

/// <summary>P/Invoke declarations for the C ABI of the native shim (native/include/posttrain_torch.h).</summary>
/// <remarks>Handles travel as raw pointers; ownership lives in <see cref="TensorHandle"/>. Every call returns a status
/// that <see cref="Check"/> turns into a <see cref="TorchException"/> carrying libtorch's message.</remarks>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "posttrain_torch";

    static NativeMethods() => HostAllocator.Configure();

    // ---- runtime ----
    [LibraryImport(Library, EntryPoint = "pt_last_error")]
    internal static partial IntPtr LastError();

    [LibraryImport(Library, EntryPoint = "pt_torch_version")]
    internal static partial int TorchVersion(out IntPtr version);

    [LibraryImport(Library, EntryPoint = "pt_cuda_is_available")]
    internal static partial int CudaIsAvailable(out int available);

    [LibraryImport(Library, EntryPoint = "pt_cuda_device_count")]
    internal static partial int CudaDeviceCount(out int count);

    [LibraryImport(Library, EntryPoint = "pt_cuda_synchronize")]
    internal static partial int CudaSynchronize(int device);

    [LibraryImport(Library, EntryPoint = "pt_cuda_memory_stats")]
    internal static partial int CudaMemoryStats(int device, out long allocated, out long reserved, out long peakAllocated);

    [LibraryImport(Library, EntryPoint = "pt_cuda_set_device")]
    internal static partial int CudaSetDevice(int device);

    [LibraryImport(Library, EntryPoint = "pt_cuda_reset_peak_memory")]
    internal static partial int CudaResetPeakMemory(int device);

    [LibraryImport(Library, EntryPoint = "pt_cuda_empty_cache")]
    internal static partial int CudaEmptyCache();

    [LibraryImport(Library, EntryPoint = "pt_capabilities")]
    internal static partial int Capabilities(out int caps);

    [LibraryImport(Library, EntryPoint = "pt_set_num_threads")]
    internal static partial int SetNumThreads(int n);

    [LibraryImport(Library, EntryPoint = "pt_get_num_threads")]
    internal static partial int GetNumThreads(out int n);

    [LibraryImport(Library, EntryPoint = "pt_manual_seed")]
    internal static partial int ManualSeed(ulong seed);

    [LibraryImport(Library, EntryPoint = "pt_generator_new")]
    internal static partial int GeneratorNew(ulong seed, out IntPtr generator);

    [LibraryImport(Library, EntryPoint = "pt_generator_new_on")]
    internal static partial int GeneratorNewOn(ulong seed, int deviceType, int deviceIndex, out IntPtr generator);

    [LibraryImport(Library, EntryPoint = "pt_generator_free")]
    internal static partial int GeneratorFree(IntPtr generator);

    [LibraryImport(Library, EntryPoint = "pt_live_tensors")]
    internal static partial int LiveTensors(out long count);

    // ---- tensor lifetime and facts ----
    [LibraryImport(Library, EntryPoint = "pt_tensor_free")]
    internal static partial int TensorFree(IntPtr t);

    [LibraryImport(Library, EntryPoint = "pt_tensor_dim")]
    internal static partial int TensorDim(IntPtr t, out int dim);

    [LibraryImport(Library, EntryPoint = "pt_tensor_sizes")]
    internal static partial int TensorSizes(IntPtr t, long* sizes, int capacity);

    [LibraryImport(Library, EntryPoint = "pt_tensor_strides")]
    internal static partial int TensorStrides(IntPtr t, long* strides, int capacity);

    [LibraryImport(Library, EntryPoint = "pt_tensor_numel")]
    internal static partial int TensorNumel(IntPtr t, out long numel);

    [LibraryImport(Library, EntryPoint = "pt_tensor_dtype")]
    internal static partial int TensorDType(IntPtr t, out int dtype);

    [LibraryImport(Library, EntryPoint = "pt_tensor_device")]
    internal static partial int TensorDevice(IntPtr t, out int type, out int index);

    [LibraryImport(Library, EntryPoint = "pt_tensor_item")]
    internal static partial int TensorItem(IntPtr t, out double value);

    [LibraryImport(Library, EntryPoint = "pt_tensor_item_long")]
    internal static partial int TensorItemLong(IntPtr t, out long value);

    [LibraryImport(Library, EntryPoint = "pt_tensor_copy_to_host")]
    internal static partial int TensorCopyToHost(IntPtr t, void* destination, long bytes);

    [LibraryImport(Library, EntryPoint = "pt_tensor_to_string")]
    internal static partial int TensorToString(IntPtr t, out IntPtr text);

    [LibraryImport(Library, EntryPoint = "pt_tensor_alias")]
    internal static partial int TensorAlias(IntPtr t, out IntPtr result);

    // ---- creation ----
    [LibraryImport(Library, EntryPoint = "pt_from_data")]
    internal static partial int FromData(void* data, long bytes, int dtype, long* shape, int ndim, int devType, int devIndex, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_fill_new")]
    internal static partial int FillNew(int kind, long* shape, int ndim, int dtype, int devType, int devIndex, double value, int integral, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_like")]
    internal static partial int Like(int kind, IntPtr t, double value, int integral, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_arange")]
    internal static partial int Arange(double start, double end, double step, int dtype, int devType, int devIndex, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_random")]
    internal static partial int Random(int kind, long* shape, int ndim, int dtype, int devType, int devIndex, IntPtr generator, double low, double high, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_to")]
    internal static partial int To(IntPtr t, int dtype, int devType, int devIndex, int copy, out IntPtr result);

    // ---- elementwise ----
    [LibraryImport(Library, EntryPoint = "pt_unary")]
    internal static partial int Unary(int op, IntPtr a, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_binary")]
    internal static partial int Binary(int op, IntPtr a, IntPtr b, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_binary_scalar")]
    internal static partial int BinaryScalar(int op, IntPtr a, double s, int integral, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_inplace")]
    internal static partial int InPlace(int op, IntPtr a, IntPtr b, double s, int integral);

    [LibraryImport(Library, EntryPoint = "pt_clamp")]
    internal static partial int Clamp(IntPtr a, int hasMin, double min, int hasMax, double max, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_where")]
    internal static partial int Where(IntPtr condition, IntPtr a, IntPtr b, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_masked_fill")]
    internal static partial int MaskedFill(IntPtr a, IntPtr mask, double value, int integral, out IntPtr result);

    // ---- reductions and sampling ----
    [LibraryImport(Library, EntryPoint = "pt_reduce")]
    internal static partial int Reduce(int op, IntPtr a, long* dims, int ndims, int keepDim, int dtype, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_max_min_dim")]
    internal static partial int MaxMinDim(int isMax, IntPtr a, long dim, int keepDim, out IntPtr values, out IntPtr indices);

    [LibraryImport(Library, EntryPoint = "pt_arg_max_min")]
    internal static partial int ArgMaxMin(int isMax, IntPtr a, int hasDim, long dim, int keepDim, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_cumsum")]
    internal static partial int CumSum(IntPtr a, long dim, int dtype, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_topk")]
    internal static partial int TopK(IntPtr a, long k, long dim, int largest, int sorted, out IntPtr values, out IntPtr indices);

    [LibraryImport(Library, EntryPoint = "pt_sort")]
    internal static partial int Sort(IntPtr a, long dim, int descending, out IntPtr values, out IntPtr indices);

    [LibraryImport(Library, EntryPoint = "pt_multinomial")]
    internal static partial int Multinomial(IntPtr probs, long n, int replacement, IntPtr generator, out IntPtr result);

    // ---- views and indexing ----
    [LibraryImport(Library, EntryPoint = "pt_shape_op")]
    internal static partial int ShapeOp(int op, IntPtr a, long* shape, int ndim, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_transpose")]
    internal static partial int Transpose(IntPtr a, long dim0, long dim1, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_narrow")]
    internal static partial int Narrow(IntPtr a, long dim, long start, long length, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_select")]
    internal static partial int Select(IntPtr a, long dim, long index, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_slice")]
    internal static partial int Slice(IntPtr a, long dim, long start, long end, long step, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_unsqueeze")]
    internal static partial int Unsqueeze(IntPtr a, long dim, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_squeeze")]
    internal static partial int Squeeze(IntPtr a, int hasDim, long dim, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_flatten")]
    internal static partial int Flatten(IntPtr a, long start, long end, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_cat")]
    internal static partial int Cat(IntPtr* tensors, int n, long dim, int stack, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_split")]
    internal static partial int Split(IntPtr a, long sizeOrChunks, long dim, int chunk, IntPtr* outputs, int capacity, out int count);

    [LibraryImport(Library, EntryPoint = "pt_nonzero_1d")]
    internal static partial int NonZero1d(IntPtr a, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_index_select")]
    internal static partial int IndexSelect(IntPtr a, long dim, IntPtr index, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_gather")]
    internal static partial int Gather(IntPtr a, long dim, IntPtr index, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_scatter_add")]
    internal static partial int ScatterAdd(IntPtr a, long dim, IntPtr index, IntPtr source, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_scatter")]
    internal static partial int Scatter(IntPtr a, long dim, IntPtr index, IntPtr source, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_var_std")]
    internal static partial int VarStd(int isStd, IntPtr a, long* dims, int ndims, int unbiased, int keepDim, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_tri")]
    internal static partial int Tri(int upper, IntPtr a, long diagonal, out IntPtr result);

    // ---- neural-network functions ----
    [LibraryImport(Library, EntryPoint = "pt_linear")]
    internal static partial int Linear(IntPtr x, IntPtr weight, IntPtr bias, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_embedding")]
    internal static partial int Embedding(IntPtr weight, IntPtr indices, long paddingIndex, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_rms_norm")]
    internal static partial int RmsNorm(IntPtr x, IntPtr weight, double eps, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_layer_norm")]
    internal static partial int LayerNorm(IntPtr x, long* shape, int ndim, IntPtr weight, IntPtr bias, double eps, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_softmax")]
    internal static partial int Softmax(int log, IntPtr a, long dim, int dtype, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_cross_entropy")]
    internal static partial int CrossEntropy(IntPtr logits, IntPtr target, IntPtr weight, int reduction, long ignoreIndex, double labelSmoothing, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_sdpa")]
    internal static partial int Sdpa(IntPtr q, IntPtr k, IntPtr v, IntPtr mask, double dropout, int isCausal, double scale, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_rotary")]
    internal static partial int Rotary(IntPtr x, IntPtr cos, IntPtr sin, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_varlen_attention")]
    internal static partial int VarlenAttention(IntPtr q, IntPtr k, IntPtr v, IntPtr cuSeqlens, IntPtr cos, IntPtr sin, double scale, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_attention_decode")]
    internal static partial int AttentionDecode(IntPtr q, IntPtr newKeys, IntPtr newValues, IntPtr keyCache, IntPtr valueCache, IntPtr rows, long position, IntPtr mask, IntPtr prefixKeys, IntPtr prefixValues, IntPtr prefixRows, double scale, out IntPtr result);

    [LibraryImport(Library, EntryPoint = "pt_dropout")]
    internal static partial int Dropout(IntPtr a, double p, int train, out IntPtr result);

    // ---- autograd ----
    [LibraryImport(Library, EntryPoint = "pt_requires_grad")]
    internal static partial int RequiresGrad(IntPtr t, out int flag);

    [LibraryImport(Library, EntryPoint = "pt_set_requires_grad")]
    internal static partial int SetRequiresGrad(IntPtr t, int flag);

    [LibraryImport(Library, EntryPoint = "pt_backward")]
    internal static partial int Backward(IntPtr t, IntPtr grad, int retainGraph, int createGraph);

    [LibraryImport(Library, EntryPoint = "pt_grad")]
    internal static partial int Grad(IntPtr t, out IntPtr grad);

    [LibraryImport(Library, EntryPoint = "pt_set_grad")]
    internal static partial int SetGrad(IntPtr t, IntPtr grad);

    [LibraryImport(Library, EntryPoint = "pt_is_leaf")]
    internal static partial int IsLeaf(IntPtr t, out int flag);

    [LibraryImport(Library, EntryPoint = "pt_set_data")]
    internal static partial int SetData(IntPtr t, IntPtr data);

    [LibraryImport(Library, EntryPoint = "pt_grad_enabled")]
    internal static partial int GradEnabled(out int enabled);

    [LibraryImport(Library, EntryPoint = "pt_set_grad_enabled")]
    internal static partial int SetGradEnabled(int enabled);

    [LibraryImport(Library, EntryPoint = "pt_autocast")]
    internal static partial int Autocast(int devType, int enabled, int dtype, out int wasEnabled);

    // ---- activation checkpointing ----
    [LibraryImport(Library, EntryPoint = "pt_checkpoint")]
    internal static partial int Checkpoint(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr*, int> run, delegate* unmanaged[Cdecl]<IntPtr, void> free, IntPtr state, IntPtr input, out IntPtr output);

    [LibraryImport(Library, EntryPoint = "pt_checkpoint_segment_failed", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int CheckpointSegmentFailed(string message);

    // ---- optimisation ----
    [LibraryImport(Library, EntryPoint = "pt_adamw_step")]
    internal static partial int AdamWStep(IntPtr* parameters, IntPtr* expAvg, IntPtr* expAvgSq, double* weightDecay, int n, double lr, double beta1, double beta2, double eps, long step, int multiTensor);

    [LibraryImport(Library, EntryPoint = "pt_clip_grad_norm")]
    internal static partial int ClipGradNorm(IntPtr* parameters, int n, double maxNorm, out double totalNorm);

    [LibraryImport(Library, EntryPoint = "pt_clip_grad_norm_tensor")]
    internal static partial int ClipGradNormTensor(IntPtr* parameters, int n, double maxNorm, out IntPtr totalNorm);

    // ---- distributed ----
    [LibraryImport(Library, EntryPoint = "pt_dist_init", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DistInit(string masterAddress, int port, int rank, int worldSize, int backend, long timeoutMs, out IntPtr group);

    [LibraryImport(Library, EntryPoint = "pt_dist_free")]
    internal static partial int DistFree(IntPtr group);

    [LibraryImport(Library, EntryPoint = "pt_dist_all_reduce")]
    internal static partial int DistAllReduce(IntPtr group, IntPtr t, int op);

    [LibraryImport(Library, EntryPoint = "pt_dist_broadcast")]
    internal static partial int DistBroadcast(IntPtr group, IntPtr t, int root);

    [LibraryImport(Library, EntryPoint = "pt_dist_all_gather")]
    internal static partial int DistAllGather(IntPtr group, IntPtr input, IntPtr output);

    [LibraryImport(Library, EntryPoint = "pt_dist_barrier")]
    internal static partial int DistBarrier(IntPtr group);

    [LibraryImport(Library, EntryPoint = "pt_bench_native_loop")]
    internal static partial int BenchNativeLoop(int op, IntPtr a, IntPtr b, long n, out double nsPerCall);

    /// <summary>Throws <see cref="TorchException"/> with libtorch's message when a shim call failed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status)
    {
        if (status != 0)
        {
            ThrowLastError();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLastError() =>
        throw new TorchException(Marshal.PtrToStringUTF8(LastError()) ?? "unknown libtorch error");
}
