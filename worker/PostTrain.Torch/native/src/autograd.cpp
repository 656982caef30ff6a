// Autograd, grad mode, autocast, and the fused optimiser and clipping loops.
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <torch/version.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

#include "common.h"

using namespace posttrain;

PT_API int pt_requires_grad(pt_tensor t, int* out) { PT_GUARD(*out = T(t).requires_grad() ? 1 : 0) }

PT_API int pt_set_requires_grad(pt_tensor t, int flag) { PT_GUARD(T(t).requires_grad_(flag != 0)) }

PT_API int pt_backward(pt_tensor t, pt_tensor grad, int retain_graph, int create_graph) {
    PT_GUARD({
        at::Tensor g = grad ? T(grad) : at::Tensor();
        c10::optional<bool> retain;
        if (retain_graph) retain = true;
        T(t).backward(g, retain, create_graph != 0);
    })
}

PT_API int pt_grad(pt_tensor t, pt_tensor* out) {
    PT_GUARD({
        const auto& g = T(t).grad();
        *out = g.defined() ? new_handle(g) : nullptr;
    })
}

PT_API int pt_set_grad(pt_tensor t, pt_tensor grad) {
    PT_GUARD({
        if (grad == nullptr) {
            T(t).mutable_grad().reset();
        } else {
            T(t).mutable_grad() = T(grad);
        }
    })
}

PT_API int pt_is_leaf(pt_tensor t, int* out) { PT_GUARD(*out = T(t).is_leaf() ? 1 : 0) }

PT_API int pt_set_data(pt_tensor t, pt_tensor data) { PT_GUARD(T(t).set_data(T(data))) }

PT_API int pt_grad_enabled(int* out) { PT_GUARD(*out = c10::GradMode::is_enabled() ? 1 : 0) }

PT_API int pt_set_grad_enabled(int enabled) { PT_GUARD(c10::GradMode::set_enabled(enabled != 0)) }

PT_API int pt_autocast(int dev_type, int enabled, int dtype, int* was_enabled) {
    PT_GUARD({
        bool cuda = dev_type == 1;
        TORCH_CHECK(dev_type == 0 || dev_type == 1, "autocast device type must be 0 (cpu) or 1 (cuda)");
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
        auto dt = cuda ? at::kCUDA : at::kCPU;
        *was_enabled = at::autocast::is_autocast_enabled(dt) ? 1 : 0;
        if (enabled) at::autocast::set_autocast_dtype(dt, to_dtype(dtype));
        at::autocast::set_autocast_enabled(dt, enabled != 0);
#else
        *was_enabled = (cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled()) ? 1 : 0;
        if (enabled) {
            if (cuda) at::autocast::set_autocast_gpu_dtype(to_dtype(dtype));
            else at::autocast::set_autocast_cpu_dtype(to_dtype(dtype));
        }
        if (cuda) at::autocast::set_enabled(enabled != 0);
        else at::autocast::set_cpu_enabled(enabled != 0);
#endif
        if (!enabled) at::autocast::clear_cache();
    })
}

namespace {
// torch.optim.AdamW's multi-tensor form (foreach=True, its default on CUDA): one kernel per operation over a whole
// group of tensors instead of one per tensor; the same arithmetic as the per-tensor loop below.
void adamw_foreach(std::vector<at::Tensor>& p, std::vector<at::Tensor>& g, std::vector<at::Tensor>& m,
                   std::vector<at::Tensor>& v, double weight_decay, double lr, double beta1, double beta2, double eps,
                   double step_size, double bc2_sqrt) {
    if (p.empty()) return;
    if (weight_decay != 0) at::_foreach_mul_(p, 1.0 - lr * weight_decay);
    at::_foreach_mul_(m, beta1);
    at::_foreach_add_(m, g, 1.0 - beta1);
    at::_foreach_mul_(v, beta2);
    at::_foreach_addcmul_(v, g, g, 1.0 - beta2);
    auto denom = at::_foreach_sqrt(v);
    at::_foreach_div_(denom, bc2_sqrt);
    at::_foreach_add_(denom, eps);
    at::_foreach_addcdiv_(p, m, denom, -step_size);
}
}  // namespace

PT_API int pt_adamw_step(const pt_tensor* params, const pt_tensor* exp_avg, const pt_tensor* exp_avg_sq,
                         const double* weight_decay, int n, double lr, double beta1, double beta2, double eps, int64_t step,
                         int multi_tensor) {
    PT_GUARD({
        TORCH_CHECK(step >= 1, "AdamW step count must be at least 1, got ", step);
        at::NoGradGuard no_grad;
        double bc1 = 1.0 - std::pow(beta1, static_cast<double>(step));
        double bc2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(step)));
        double step_size = lr / bc1;
        if (multi_tensor) {
            // One group per (weight decay, device, dtype): the foreach kernels need matching tensors.
            std::map<std::tuple<double, int, int, int>, std::array<std::vector<at::Tensor>, 4>> groups;
            for (int i = 0; i < n; ++i) {
                auto& p = T(params[i]);
                const auto& g = p.grad();
                if (!g.defined()) continue;
                auto key = std::make_tuple(weight_decay[i], static_cast<int>(p.device().type()), static_cast<int>(p.device().index()),
                                           static_cast<int>(p.scalar_type()));
                auto& group = groups[key];
                group[0].push_back(p);
                group[1].push_back(g);
                group[2].push_back(T(exp_avg[i]));
                group[3].push_back(T(exp_avg_sq[i]));
            }
            for (auto& [key, group] : groups) {
                adamw_foreach(group[0], group[1], group[2], group[3], std::get<0>(key), lr, beta1, beta2, eps, step_size, bc2_sqrt);
            }
            return 0;
        }
        for (int i = 0; i < n; ++i) {
            auto& p = T(params[i]);
            const auto& g = p.grad();
            if (!g.defined()) continue;
            auto& m = T(exp_avg[i]);
            auto& v = T(exp_avg_sq[i]);
            if (weight_decay[i] != 0) p.mul_(1.0 - lr * weight_decay[i]);
            m.mul_(beta1).add_(g, 1.0 - beta1);
            v.mul_(beta2).addcmul_(g, g, 1.0 - beta2);
            auto denom = (v.sqrt() / bc2_sqrt).add_(eps);
            p.addcdiv_(m, denom, -step_size);
        }
    })
}

namespace {
// The global L2 norm of the gradients of params, and every gradient scaled so that it is at most max_norm (as
// torch.nn.utils.clip_grad_norm_); an undefined tensor when no parameter has a gradient. Nothing waits for the device.
at::Tensor clip_grad_norm(const pt_tensor* params, int n, double max_norm) {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> grads;
    for (int i = 0; i < n; ++i) {
        const auto& g = T(params[i]).grad();
        if (g.defined()) grads.push_back(g);
    }
    if (grads.empty()) return at::Tensor();
    std::vector<at::Tensor> norms;
    bool same_float32_cuda = std::all_of(grads.begin(), grads.end(), [&](const at::Tensor& g) {
        return g.is_cuda() && g.device() == grads[0].device() && g.scalar_type() == at::kFloat;
    });
    if (same_float32_cuda) {
        norms = at::_foreach_norm(grads);  // one multi-tensor kernel, as torch.nn.utils.clip_grad_norm_ on CUDA
    } else {
        norms.reserve(grads.size());
        for (auto& g : grads) norms.push_back(at::norm(g.to(at::kFloat)).to(grads[0].device()));
    }
    auto total = at::norm(at::stack(norms));
    auto coef = (max_norm / (total + 1e-6)).clamp_max(1.0);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    if (same_float32_cuda) {
        at::_foreach_mul_(grads, coef);  // the scalar tensor overload: no host read of the coefficient
        return total;
    }
#endif
    for (auto& g : grads) g.mul_(coef.to(g.device(), g.scalar_type()));
    return total;
}
}  // namespace

PT_API int pt_clip_grad_norm(const pt_tensor* params, int n, double max_norm, double* total_norm) {
    PT_GUARD({
        auto total = clip_grad_norm(params, n, max_norm);
        *total_norm = total.defined() ? total.item<double>() : 0.0;
    })
}

PT_API int pt_clip_grad_norm_tensor(const pt_tensor* params, int n, double max_norm, pt_tensor* out) {
    PT_GUARD({
        auto total = clip_grad_norm(params, n, max_norm);
        *out = new_handle(total.defined() ? total : at::zeros({}, at::kFloat));
    })
}
