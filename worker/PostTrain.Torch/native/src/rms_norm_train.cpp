// RMS norm of float32 CPU rows with autograd in one pass each way (training): the composite (pow, mean, add, rsqrt,
// mul, mul) is six dispatches and five temporaries forward and about twice that backward, for every norm of every
// layer. Forward keeps each row's 1/rms; backward: u = w·dy, dx = r·u − x·r³·mean(u·x), dw = Σ_rows dy·x·r.
// dw sums rows in order in one thread, so results do not depend on the thread count.
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>

#include "common.h"

namespace {
// The sum of a[i]·b[i] over n floats, in 8 lanes added in a fixed order (decode.cpp's rms_rows order).
inline __attribute__((always_inline)) float dot_lanes(const float* a, const float* b, int64_t n) {
    float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        for (int l = 0; l < 8; ++l) lanes[l] += a[i + l] * b[i + l];
    }
    for (; i < n; ++i) lanes[i & 7] += a[i] * b[i];
    return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
}

inline __attribute__((always_inline)) void forward_rows(const float* x, const float* w, float* y, float* inv, int64_t n, double eps, int64_t begin,
                                                        int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
        const float* xr = x + r * n;
        float* yr = y + r * n;
        const float s = 1.0f / std::sqrt(dot_lanes(xr, xr, n) / static_cast<float>(n) + static_cast<float>(eps));
        inv[r] = s;
        for (int64_t j = 0; j < n; ++j) yr[j] = w[j] * (xr[j] * s);
    }
}

inline __attribute__((always_inline)) void backward_rows(const float* x, const float* w, const float* gy, const float* inv, float* gx, float* u,
                                                         int64_t n, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
        const float* xr = x + r * n;
        const float* gr = gy + r * n;
        float* out = gx + r * n;
        for (int64_t j = 0; j < n; ++j) u[j] = w[j] * gr[j];
        const float s = inv[r];
        const float c = dot_lanes(u, xr, n) * s * s * s / static_cast<float>(n);
        for (int64_t j = 0; j < n; ++j) out[j] = s * u[j] - xr[j] * c;
    }
}

inline __attribute__((always_inline)) void weight_grad(const float* x, const float* gy, const float* inv, float* gw, int64_t n, int64_t rows) {
    for (int64_t j = 0; j < n; ++j) gw[j] = 0;
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * n;
        const float* gr = gy + r * n;
        const float s = inv[r];
        for (int64_t j = 0; j < n; ++j) gw[j] += gr[j] * (xr[j] * s);
    }
}

#if defined(__x86_64__) || defined(__i386__)
#define RMS_AVX2 __attribute__((target("avx2,fma")))
bool rms_avx2_ok() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}
#else
#define RMS_AVX2
bool rms_avx2_ok() { return false; }
#endif

RMS_AVX2 void forward_avx2(const float* x, const float* w, float* y, float* inv, int64_t n, double eps, int64_t b, int64_t e) {
    forward_rows(x, w, y, inv, n, eps, b, e);
}
void forward_generic(const float* x, const float* w, float* y, float* inv, int64_t n, double eps, int64_t b, int64_t e) {
    forward_rows(x, w, y, inv, n, eps, b, e);
}
RMS_AVX2 void backward_avx2(const float* x, const float* w, const float* gy, const float* inv, float* gx, float* u, int64_t n, int64_t b, int64_t e) {
    backward_rows(x, w, gy, inv, gx, u, n, b, e);
}
void backward_generic(const float* x, const float* w, const float* gy, const float* inv, float* gx, float* u, int64_t n, int64_t b, int64_t e) {
    backward_rows(x, w, gy, inv, gx, u, n, b, e);
}
RMS_AVX2 void weight_avx2(const float* x, const float* gy, const float* inv, float* gw, int64_t n, int64_t rows) { weight_grad(x, gy, inv, gw, n, rows); }
void weight_generic(const float* x, const float* gy, const float* inv, float* gw, int64_t n, int64_t rows) { weight_grad(x, gy, inv, gw, n, rows); }

struct RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight, double eps) {
        const int64_t n = x.size(-1), rows = x.numel() / n;
        auto y = at::empty_like(x);
        auto inv = at::empty({rows}, x.options());
        const float* xp = x.data_ptr<float>();
        const float* wp = weight.data_ptr<float>();
        float* yp = y.data_ptr<float>();
        float* ip = inv.data_ptr<float>();
        const bool avx2 = rms_avx2_ok();
        at::parallel_for(0, rows, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
            if (avx2) {
                forward_avx2(xp, wp, yp, ip, n, eps, b, e);
            } else {
                forward_generic(xp, wp, yp, ip, n, eps, b, e);
            }
        });
        ctx->save_for_backward({x, weight, inv});
        return y;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
        auto saved = ctx->get_saved_variables();
        const auto &x = saved[0], &weight = saved[1], &inv = saved[2];
        auto gy = grads[0].contiguous();
        const int64_t n = x.size(-1), rows = x.numel() / n;
        auto gx = at::empty_like(x);
        auto gw = at::empty_like(weight);
        const float* xp = x.data_ptr<float>();
        const float* wp = weight.data_ptr<float>();
        const float* gp = gy.data_ptr<float>();
        const float* ip = inv.data_ptr<float>();
        float* gxp = gx.data_ptr<float>();
        const bool avx2 = rms_avx2_ok();
        at::parallel_for(0, rows, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
            std::vector<float> u(static_cast<size_t>(n));
            if (avx2) {
                backward_avx2(xp, wp, gp, ip, gxp, u.data(), n, b, e);
            } else {
                backward_generic(xp, wp, gp, ip, gxp, u.data(), n, b, e);
            }
        });
        if (avx2) {
            weight_avx2(xp, gp, ip, gw.data_ptr<float>(), n, rows);
        } else {
            weight_generic(xp, gp, ip, gw.data_ptr<float>(), n, rows);
        }
        return {gx, gw, torch::autograd::Variable()};
    }
};
}  // namespace

namespace posttrain {
bool rms_norm_training(const at::Tensor& x, const c10::optional<at::Tensor>& weight, double eps, at::Tensor& out) {
    if (!at::GradMode::is_enabled() || !x.device().is_cpu() || x.scalar_type() != at::kFloat || !x.is_contiguous() || x.dim() == 0 ||
        x.numel() == 0 || !weight.has_value()) {
        return false;
    }
    const auto& w = *weight;
    if (!w.device().is_cpu() || w.scalar_type() != at::kFloat || !w.is_contiguous() || w.dim() != 1 || w.size(0) != x.size(-1)) return false;
    if (!x.requires_grad() || !w.requires_grad()) return false;  // the common training case only
    out = RmsNormFunction::apply(x, w, eps);
    return true;
}
}  // namespace posttrain
