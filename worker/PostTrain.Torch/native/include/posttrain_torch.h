// C ABI of the PostTrain.Torch shim. Every function returns a status (0 = ok); on failure the
// message of the C++ exception is kept per thread and read with pt_last_error(). No C++ exception
// ever crosses this boundary. Results come back through out-parameters.
//
// Conventions: a pt_tensor is an owning handle (free it with pt_tensor_free); a null pt_tensor stands
// for "absent" where an argument is optional. dtype codes are c10::ScalarType values; device type
// 0 = cpu, 1 = cuda. Shapes are (const int64_t*, int ndim).
#pragma once
#include <stdint.h>

#define PT_API extern "C" __attribute__((visibility("default")))

typedef void* pt_tensor;
typedef void* pt_generator;
typedef void* pt_process_group;

// ---- runtime ----
PT_API const char* pt_last_error();
PT_API int pt_torch_version(const char** out);
PT_API int pt_cuda_is_available(int* out);
PT_API int pt_cuda_device_count(int* out);
PT_API int pt_cuda_synchronize(int device);
PT_API int pt_cuda_memory_stats(int device, int64_t* allocated, int64_t* reserved, int64_t* peak_allocated);
PT_API int pt_cuda_set_device(int device);  // the current device: what NCCL and unplaced allocations use
PT_API int pt_cuda_reset_peak_memory(int device);
PT_API int pt_cuda_empty_cache();
PT_API int pt_capabilities(int* out);  // bit 0 fused SDPA, bit 1 CUDA, bit 2 Gloo, bit 3 NCCL
PT_API int pt_set_num_threads(int n);
PT_API int pt_get_num_threads(int* out);
PT_API int pt_manual_seed(uint64_t seed);
PT_API int pt_generator_new(uint64_t seed, pt_generator* out);
PT_API int pt_generator_new_on(uint64_t seed, int dev_type, int dev_index, pt_generator* out);  // draws on that device
PT_API int pt_generator_free(pt_generator g);
PT_API int pt_live_tensors(int64_t* out);

// ---- tensor lifetime and facts ----
PT_API int pt_tensor_free(pt_tensor t);
PT_API int pt_tensor_dim(pt_tensor t, int* out);
PT_API int pt_tensor_sizes(pt_tensor t, int64_t* out, int capacity);
PT_API int pt_tensor_strides(pt_tensor t, int64_t* out, int capacity);
PT_API int pt_tensor_numel(pt_tensor t, int64_t* out);
PT_API int pt_tensor_dtype(pt_tensor t, int* out);
PT_API int pt_tensor_device(pt_tensor t, int* type, int* index);
PT_API int pt_tensor_item(pt_tensor t, double* out);
PT_API int pt_tensor_item_long(pt_tensor t, int64_t* out);
PT_API int pt_tensor_copy_to_host(pt_tensor t, void* dst, int64_t bytes);
PT_API int pt_tensor_to_string(pt_tensor t, const char** out);
PT_API int pt_tensor_alias(pt_tensor t, pt_tensor* out);

// ---- creation ----
PT_API int pt_from_data(const void* data, int64_t bytes, int dtype, const int64_t* shape, int ndim, int dev_type,
                        int dev_index, pt_tensor* out);
PT_API int pt_fill_new(int kind, const int64_t* shape, int ndim, int dtype, int dev_type, int dev_index, double value,
                       int integral, pt_tensor* out);  // kind: 0 empty, 1 zeros, 2 ones, 3 full
PT_API int pt_like(int kind, pt_tensor t, double value, int integral, pt_tensor* out);  // same kinds
PT_API int pt_arange(double start, double end, double step, int dtype, int dev_type, int dev_index, pt_tensor* out);
PT_API int pt_random(int kind, const int64_t* shape, int ndim, int dtype, int dev_type, int dev_index, pt_generator g,
                     double low, double high, pt_tensor* out);  // kind: 0 randn, 1 rand, 2 randint [low, high)
PT_API int pt_to(pt_tensor t, int dtype, int dev_type, int dev_index, int copy, pt_tensor* out);  // -1 keeps

// ---- elementwise, by op code ----
PT_API int pt_unary(int op, pt_tensor a, pt_tensor* out);
PT_API int pt_binary(int op, pt_tensor a, pt_tensor b, pt_tensor* out);
PT_API int pt_binary_scalar(int op, pt_tensor a, double s, int integral, pt_tensor* out);
PT_API int pt_inplace(int op, pt_tensor a, pt_tensor b, double s, int integral);
PT_API int pt_clamp(pt_tensor a, int has_min, double min, int has_max, double max, pt_tensor* out);
PT_API int pt_where(pt_tensor cond, pt_tensor a, pt_tensor b, pt_tensor* out);
PT_API int pt_masked_fill(pt_tensor a, pt_tensor mask, double value, int integral, pt_tensor* out);

// ---- reductions ----
PT_API int pt_reduce(int op, pt_tensor a, const int64_t* dims, int ndims, int keepdim, int dtype, pt_tensor* out);
PT_API int pt_max_min_dim(int is_max, pt_tensor a, int64_t dim, int keepdim, pt_tensor* values, pt_tensor* indices);
PT_API int pt_arg_max_min(int is_max, pt_tensor a, int has_dim, int64_t dim, int keepdim, pt_tensor* out);
PT_API int pt_cumsum(pt_tensor a, int64_t dim, int dtype, pt_tensor* out);
PT_API int pt_topk(pt_tensor a, int64_t k, int64_t dim, int largest, int sorted, pt_tensor* values, pt_tensor* indices);
PT_API int pt_sort(pt_tensor a, int64_t dim, int descending, pt_tensor* values, pt_tensor* indices);
PT_API int pt_multinomial(pt_tensor probs, int64_t n, int replacement, pt_generator g, pt_tensor* out);

// ---- views and indexing ----
PT_API int pt_shape_op(int op, pt_tensor a, const int64_t* shape, int ndim, pt_tensor* out);  // 0 view 1 reshape 2 permute 3 expand
PT_API int pt_transpose(pt_tensor a, int64_t d0, int64_t d1, pt_tensor* out);
PT_API int pt_narrow(pt_tensor a, int64_t dim, int64_t start, int64_t length, pt_tensor* out);
PT_API int pt_select(pt_tensor a, int64_t dim, int64_t index, pt_tensor* out);
PT_API int pt_slice(pt_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step, pt_tensor* out);
PT_API int pt_unsqueeze(pt_tensor a, int64_t dim, pt_tensor* out);
PT_API int pt_squeeze(pt_tensor a, int has_dim, int64_t dim, pt_tensor* out);
PT_API int pt_flatten(pt_tensor a, int64_t start, int64_t end, pt_tensor* out);
PT_API int pt_cat(const pt_tensor* ts, int n, int64_t dim, int stack, pt_tensor* out);
PT_API int pt_split(pt_tensor a, int64_t size_or_chunks, int64_t dim, int chunk, pt_tensor* outs, int capacity,
                    int* count);
PT_API int pt_nonzero_1d(pt_tensor a, pt_tensor* out);  // int64 indices of the non-zero elements of a 1-d tensor
PT_API int pt_index_select(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor* out);
PT_API int pt_gather(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor* out);
PT_API int pt_scatter_add(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor src, pt_tensor* out);
PT_API int pt_scatter(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor src, pt_tensor* out);
PT_API int pt_var_std(int is_std, pt_tensor a, const int64_t* dims, int ndims, int unbiased, int keepdim, pt_tensor* out);
PT_API int pt_tri(int upper, pt_tensor a, int64_t diagonal, pt_tensor* out);

// ---- neural-network functions ----
PT_API int pt_linear(pt_tensor x, pt_tensor w, pt_tensor b, pt_tensor* out);
PT_API int pt_embedding(pt_tensor weight, pt_tensor indices, int64_t padding_idx, pt_tensor* out);
PT_API int pt_rms_norm(pt_tensor x, pt_tensor weight, double eps, pt_tensor* out);
PT_API int pt_layer_norm(pt_tensor x, const int64_t* shape, int ndim, pt_tensor weight, pt_tensor bias, double eps,
                         pt_tensor* out);
PT_API int pt_softmax(int log, pt_tensor a, int64_t dim, int dtype, pt_tensor* out);
PT_API int pt_cross_entropy(pt_tensor logits, pt_tensor target, pt_tensor weight, int reduction, int64_t ignore_index,
                            double label_smoothing, pt_tensor* out);  // reduction: 0 none, 1 mean, 2 sum
PT_API int pt_sdpa(pt_tensor q, pt_tensor k, pt_tensor v, pt_tensor mask, double dropout, int is_causal, double scale,
                   pt_tensor* out);  // scale <= 0: 1/sqrt(head_dim)
PT_API int pt_dropout(pt_tensor a, double p, int train, pt_tensor* out);
// Half-split rotary embedding, float32 on the CPU, no autograd (decode.cpp): x [B, H, T, D] (D contiguous), cos and
// sin [B, 1, T, D]; out [B, H, T, D] contiguous.
PT_API int pt_rotary(pt_tensor x, pt_tensor cos, pt_tensor sin, pt_tensor* out);
// Causal attention over sequences packed into one row without padding, float32 on the CPU, differentiable in q, k, v
// (varlen_attention.cpp): q [H, N, D], k and v [Hkv, N, D], cu_seqlens int64 [S + 1] (sequence s holds positions
// cu_seqlens[s]..cu_seqlens[s + 1] - 1); out [N, H, D] contiguous. scale <= 0: 1/sqrt(D). cos, sin (N x D floats, or
// both null): rotary tables applied to q and k inside the kernel.
PT_API int pt_varlen_attention(pt_tensor q, pt_tensor k, pt_tensor v, pt_tensor cu_seqlens, pt_tensor cos, pt_tensor sin, double scale,
                               pt_tensor* out);
// One decoding step of attention over a KV cache, float32 on the CPU (decode.cpp): writes knew/vnew [A, Hkv, 1, D]
// into kcache/vcache [B, Hkv, capacity, D] at `position` (rows: int64 [A] cache row of each active row, or null), then
// attends q [A, H, 1, D] over positions 0..position; mask [B or 1, 1, 1, >= position + 1] bool or null; positions below
// P come from kprefix/vprefix [U, Hkv, P, D] row prefix_rows[cache row] when given; out [A, 1, H, D]. scale <= 0: 1/sqrt(D).
PT_API int pt_attention_decode(pt_tensor q, pt_tensor knew, pt_tensor vnew, pt_tensor kcache, pt_tensor vcache, pt_tensor rows,
                               int64_t position, pt_tensor mask, pt_tensor kprefix, pt_tensor vprefix, pt_tensor prefix_rows,
                               double scale, pt_tensor* out);

// ---- autograd ----
PT_API int pt_requires_grad(pt_tensor t, int* out);
PT_API int pt_set_requires_grad(pt_tensor t, int flag);
PT_API int pt_backward(pt_tensor t, pt_tensor grad, int retain_graph, int create_graph);
PT_API int pt_grad(pt_tensor t, pt_tensor* out);  // *out = null when there is no gradient
PT_API int pt_set_grad(pt_tensor t, pt_tensor grad);  // grad null clears it
PT_API int pt_is_leaf(pt_tensor t, int* out);
PT_API int pt_set_data(pt_tensor t, pt_tensor data);
PT_API int pt_grad_enabled(int* out);
PT_API int pt_set_grad_enabled(int enabled);
PT_API int pt_autocast(int dev_type, int enabled, int dtype, int* was_enabled);

// ---- activation checkpointing ----
// A managed segment of the forward pass: returns 0 and an owned output handle (it owns and frees the input handle),
// or non-zero after pt_checkpoint_segment_failed(message).
typedef int (*pt_segment_fn)(void* state, pt_tensor input, pt_tensor* output);
typedef void (*pt_segment_free_fn)(void* state);
PT_API int pt_checkpoint(pt_segment_fn run, pt_segment_free_fn free, void* state, pt_tensor input, pt_tensor* out);
PT_API int pt_checkpoint_segment_failed(const char* message);

// ---- optimisation ----
PT_API int pt_adamw_step(const pt_tensor* params, const pt_tensor* exp_avg, const pt_tensor* exp_avg_sq,
                         const double* weight_decay, int n, double lr, double beta1, double beta2, double eps, int64_t step,
                         int multi_tensor);  // multi_tensor: the foreach kernels (fewer launches on CUDA)
PT_API int pt_clip_grad_norm(const pt_tensor* params, int n, double max_norm, double* total_norm);
PT_API int pt_clip_grad_norm_tensor(const pt_tensor* params, int n, double max_norm, pt_tensor* out);  // no device sync

// ---- distributed (c10d) ----
PT_API int pt_dist_init(const char* master_addr, int port, int rank, int world_size, int backend, int64_t timeout_ms,
                        pt_process_group* out);  // backend: 0 gloo, 1 nccl
PT_API int pt_dist_free(pt_process_group pg);
PT_API int pt_dist_all_reduce(pt_process_group pg, pt_tensor t, int op);  // op: 0 sum, 1 average, 2 max, 3 min
PT_API int pt_dist_broadcast(pt_process_group pg, pt_tensor t, int root);
PT_API int pt_dist_all_gather(pt_process_group pg, pt_tensor input, pt_tensor output);  // output [world, ...input]
PT_API int pt_dist_barrier(pt_process_group pg);

// ---- benchmark support ----
PT_API int pt_bench_native_loop(int op, pt_tensor a, pt_tensor b, int64_t n, double* ns_per_call);  // op: 0 add, 1 add_
