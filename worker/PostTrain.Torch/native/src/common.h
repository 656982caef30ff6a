// Helpers shared by the shim's translation units: tensor handles, the live-handle counter, argument
// conversion. A handle is a heap-allocated at::Tensor (one reference to libtorch's TensorImpl).
#pragma once
#include <ATen/ATen.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <vector>

#include "errors.h"
#include "posttrain_torch.h"

namespace posttrain {

std::atomic<int64_t>& live_tensor_count();

inline at::Tensor* new_handle(at::Tensor t) {
    auto* h = new at::Tensor(std::move(t));
    live_tensor_count().fetch_add(1, std::memory_order_relaxed);
    return h;
}

inline at::Tensor& T(pt_tensor h) {
    TORCH_CHECK(h != nullptr, "tensor handle is null (the tensor was disposed or never created)");
    return *static_cast<at::Tensor*>(h);
}

inline c10::optional<at::Tensor> opt(pt_tensor h) {
    if (h == nullptr) return c10::nullopt;
    return *static_cast<at::Tensor*>(h);
}

inline at::IntArrayRef dims(const int64_t* p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

inline at::ScalarType to_dtype(int code) {
    TORCH_CHECK(code >= 0 && code < static_cast<int>(at::ScalarType::NumOptions), "unknown dtype code ", code);
    return static_cast<at::ScalarType>(code);
}

inline at::Device to_device(int type, int index) {
    if (type == 0) return at::Device(at::kCPU);
    TORCH_CHECK(type == 1, "unknown device type code ", type, " (0 = cpu, 1 = cuda)");
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
}

inline at::TensorOptions options(int dtype, int dev_type, int dev_index) {
    return at::TensorOptions().dtype(to_dtype(dtype)).device(to_device(dev_type, dev_index));
}

inline at::Scalar scalar(double v, int integral) {
    if (integral) return at::Scalar(static_cast<int64_t>(v));
    return at::Scalar(v);
}

// A generator handle (null: the default generator). Generators live on a device: CPU ones draw on the CPU (and the
// result moves), CUDA ones draw on their device.
inline c10::optional<at::Generator> gen_of(pt_generator g) {
    if (g == nullptr) return c10::nullopt;
    return *static_cast<at::Generator*>(g);
}

inline std::vector<at::Tensor> tensor_list(const pt_tensor* hs, int n) {
    std::vector<at::Tensor> v;
    v.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v.push_back(T(hs[i]));
    return v;
}

// Writes a list of results into caller-provided slots, failing before allocating when they do not fit.
inline void write_list(const std::vector<at::Tensor>& ts, pt_tensor* outs, int capacity, int* count) {
    TORCH_CHECK(static_cast<int>(ts.size()) <= capacity, "result has ", ts.size(), " tensors but only ", capacity,
                " slots were given");
    for (size_t i = 0; i < ts.size(); ++i) outs[i] = new_handle(ts[i]);
    *count = static_cast<int>(ts.size());
}

// decode.cpp: a one-pass RMS norm of float32 CPU rows that no gradient flows through; false when it does not apply.
bool rms_norm_inference(const at::Tensor& x, const c10::optional<at::Tensor>& weight, double eps, at::Tensor& out);

// rms_norm_train.cpp: RMS norm of float32 CPU rows with a one-pass forward and backward under autograd, when x and the
// weight both require gradients; false when it does not apply.
bool rms_norm_training(const at::Tensor& x, const c10::optional<at::Tensor>& weight, double eps, at::Tensor& out);

}  // namespace posttrain
