// Elementwise arithmetic and comparison, reductions, sampling and neural-network functions.
#include <chrono>
#include <cmath>
#include <limits>

#include "common.h"

using namespace posttrain;

namespace {
c10::optional<at::ScalarType> opt_dtype(int code) {
    if (code < 0) return c10::nullopt;
    return to_dtype(code);
}


at::Tensor binary(int op, const at::Tensor& a, const at::Tensor& b) {
    switch (op) {
        case 0: return at::add(a, b);
        case 1: return at::sub(a, b);
        case 2: return at::mul(a, b);
        case 3: return at::div(a, b);
        case 4: return at::pow(a, b);
        case 5: return at::minimum(a, b);
        case 6: return at::maximum(a, b);
        case 7: return at::eq(a, b);
        case 8: return at::ne(a, b);
        case 9: return at::lt(a, b);
        case 10: return at::le(a, b);
        case 11: return at::gt(a, b);
        case 12: return at::ge(a, b);
        case 13: return at::matmul(a, b);
        case 14: return at::logical_and(a, b);
        case 15: return at::logical_or(a, b);
        case 16: return at::remainder(a, b);
        case 17: return at::div(a, b, "floor");
        default: TORCH_CHECK(false, "unknown binary op ", op);
    }
}

at::Tensor binary_scalar(int op, const at::Tensor& a, const at::Scalar& s) {
    switch (op) {
        case 0: return at::add(a, s);
        case 1: return at::sub(a, s);
        case 2: return at::mul(a, s);
        case 3: return at::div(a, s);
        case 4: return at::pow(a, s);
        case 5: return at::clamp_max(a, s);
        case 6: return at::clamp_min(a, s);
        case 7: return at::eq(a, s);
        case 8: return at::ne(a, s);
        case 9: return at::lt(a, s);
        case 10: return at::le(a, s);
        case 11: return at::gt(a, s);
        case 12: return at::ge(a, s);
        case 16: return at::remainder(a, s);
        case 17: return at::div(a, s, "floor");
        case 20: return at::rsub(a, s);
        case 21: return at::reciprocal(a).mul(s);
        case 22: return at::pow(s, a);
        default: TORCH_CHECK(false, "unknown scalar op ", op);
    }
}

at::Tensor causal_mask(int64_t l, int64_t s, const at::Device& device) {
    return at::ones({l, s}, at::TensorOptions().dtype(at::kBool).device(device)).tril();
}

// Merges a causal mask into an optional user mask (bool: true = attend; float: added to the scores).
[[maybe_unused]] c10::optional<at::Tensor> merge_masks(const c10::optional<at::Tensor>& mask, bool causal, int64_t l, int64_t s,
                                      const at::Device& device, at::ScalarType score_type) {
    if (!causal) return mask;
    auto c = causal_mask(l, s, device);
    if (!mask.has_value()) return c;
    if (mask->scalar_type() == at::kBool) return at::logical_and(*mask, c);
    auto neg = at::zeros({l, s}, at::TensorOptions().dtype(score_type).device(device))
                   .masked_fill(c.logical_not(), -std::numeric_limits<double>::infinity());
    return *mask + neg;
}

[[maybe_unused]] at::Tensor sdpa_math(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const c10::optional<at::Tensor>& mask, double dropout, double scale) {
    auto scores = at::matmul(q, k.transpose(-2, -1)) * scale;
    if (mask.has_value()) {
        if (mask->scalar_type() == at::kBool) {
            scores = scores.masked_fill(mask->logical_not(), -std::numeric_limits<double>::infinity());
        } else {
            scores = scores + *mask;
        }
    }
    auto attn = at::softmax(scores, -1);
    if (dropout > 0) attn = at::dropout(attn, dropout, true);
    return at::matmul(attn, v);
}
}  // namespace

PT_API int pt_unary(int op, pt_tensor a, pt_tensor* out) {
    PT_GUARD({
        auto& x = T(a);
        at::Tensor r;
        switch (op) {
            case 0: r = at::neg(x); break;
            case 1: r = at::exp(x); break;
            case 2: r = at::log(x); break;
            case 3: r = at::sqrt(x); break;
            case 4: r = at::rsqrt(x); break;
            case 5: r = at::abs(x); break;
            case 6: r = at::relu(x); break;
            case 7: r = at::silu(x); break;
            case 8: r = at::gelu(x); break;
            case 9: r = at::gelu(x, "tanh"); break;
            case 10: r = at::sigmoid(x); break;
            case 11: r = at::tanh(x); break;
            case 12: r = at::sin(x); break;
            case 13: r = at::cos(x); break;
            case 14: r = x.contiguous(); break;
            case 15: r = x.clone(); break;
            case 16: r = x.detach(); break;
            case 17: r = at::logical_not(x); break;
            case 18: r = at::square(x); break;
            case 19: r = at::floor(x); break;
            case 20: r = at::ceil(x); break;
            case 21: r = at::round(x); break;
            case 22: r = at::reciprocal(x); break;
            case 23: r = at::sign(x); break;
            case 24: r = at::isnan(x); break;
            case 25: r = at::log1p(x); break;
            case 26: r = at::isfinite(x); break;
            default: TORCH_CHECK(false, "unknown unary op ", op);
        }
        *out = new_handle(std::move(r));
    })
}

PT_API int pt_binary(int op, pt_tensor a, pt_tensor b, pt_tensor* out) { PT_GUARD(*out = new_handle(binary(op, T(a), T(b)))) }

PT_API int pt_binary_scalar(int op, pt_tensor a, double s, int integral, pt_tensor* out) {
    PT_GUARD(*out = new_handle(binary_scalar(op, T(a), scalar(s, integral))))
}

PT_API int pt_inplace(int op, pt_tensor a, pt_tensor b, double s, int integral) {
    PT_GUARD({
        auto& x = T(a);
        auto sc = scalar(s, integral);
        switch (op) {
            case 0: b ? x.add_(T(b), sc) : x.add_(sc); break;  // with a tensor, s is alpha
            case 1: b ? x.sub_(T(b)) : x.sub_(sc); break;
            case 2: b ? x.mul_(T(b)) : x.mul_(sc); break;
            case 3: b ? x.div_(T(b)) : x.div_(sc); break;
            case 4: x.copy_(T(b)); break;
            case 5: x.zero_(); break;
            case 6: x.fill_(sc); break;
            default: TORCH_CHECK(false, "unknown in-place op ", op);
        }
    })
}

PT_API int pt_clamp(pt_tensor a, int has_min, double min, int has_max, double max, pt_tensor* out) {
    PT_GUARD({
        c10::optional<at::Scalar> lo, hi;
        if (has_min) lo = at::Scalar(min);
        if (has_max) hi = at::Scalar(max);
        *out = new_handle(at::clamp(T(a), lo, hi));
    })
}

PT_API int pt_where(pt_tensor cond, pt_tensor a, pt_tensor b, pt_tensor* out) { PT_GUARD(*out = new_handle(at::where(T(cond), T(a), T(b)))) }

PT_API int pt_masked_fill(pt_tensor a, pt_tensor mask, double value, int integral, pt_tensor* out) {
    PT_GUARD(*out = new_handle(T(a).masked_fill(T(mask), scalar(value, integral))))
}

PT_API int pt_reduce(int op, pt_tensor a, const int64_t* d, int ndims, int keepdim, int dtype, pt_tensor* out) {
    PT_GUARD({
        auto& x = T(a);
        auto ds = dims(d, ndims);
        bool all = ndims == 0;
        at::Tensor r;
        switch (op) {
            case 0: r = all && !keepdim ? at::sum(x, opt_dtype(dtype)) : at::sum(x, ds, keepdim, opt_dtype(dtype)); break;
            case 1: r = all && !keepdim ? at::mean(x, opt_dtype(dtype)) : at::mean(x, ds, keepdim, opt_dtype(dtype)); break;
            case 2: r = at::amax(x, ds, keepdim); break;
            case 3: r = at::amin(x, ds, keepdim); break;
            case 4: {
                std::vector<int64_t> every;
                if (all) {
                    for (int64_t i = 0; i < x.dim(); ++i) every.push_back(i);
                    ds = every;
                }
                r = at::logsumexp(x, ds, keepdim);
                break;
            }
            case 5: r = all ? at::norm(x) : at::norm(x, at::Scalar(2.0), ds, keepdim); break;
            case 6: r = all ? at::any(x) : at::any(x, ds[0], keepdim); break;
            case 7: r = all ? at::all(x) : at::all(x, ds[0], keepdim); break;
            default: TORCH_CHECK(false, "unknown reduction ", op);
        }
        *out = new_handle(std::move(r));
    })
}

PT_API int pt_max_min_dim(int is_max, pt_tensor a, int64_t dim, int keepdim, pt_tensor* values, pt_tensor* indices) {
    PT_GUARD({
        auto r = is_max ? at::max(T(a), dim, keepdim) : at::min(T(a), dim, keepdim);
        *values = new_handle(std::get<0>(r));
        *indices = new_handle(std::get<1>(r));
    })
}

PT_API int pt_arg_max_min(int is_max, pt_tensor a, int has_dim, int64_t dim, int keepdim, pt_tensor* out) {
    PT_GUARD({
        c10::optional<int64_t> d;
        if (has_dim) d = dim;
        *out = new_handle(is_max ? at::argmax(T(a), d, keepdim) : at::argmin(T(a), d, keepdim));
    })
}

PT_API int pt_cumsum(pt_tensor a, int64_t dim, int dtype, pt_tensor* out) { PT_GUARD(*out = new_handle(at::cumsum(T(a), dim, opt_dtype(dtype)))) }

PT_API int pt_topk(pt_tensor a, int64_t k, int64_t dim, int largest, int sorted, pt_tensor* values, pt_tensor* indices) {
    PT_GUARD({
        auto r = at::topk(T(a), k, dim, largest != 0, sorted != 0);
        *values = new_handle(std::get<0>(r));
        *indices = new_handle(std::get<1>(r));
    })
}

PT_API int pt_sort(pt_tensor a, int64_t dim, int descending, pt_tensor* values, pt_tensor* indices) {
    PT_GUARD({
        auto r = at::sort(T(a), dim, descending != 0);
        *values = new_handle(std::get<0>(r));
        *indices = new_handle(std::get<1>(r));
    })
}

PT_API int pt_multinomial(pt_tensor probs, int64_t n, int replacement, pt_generator g, pt_tensor* out) {
    PT_GUARD({
        auto& p = T(probs);
        auto gen = gen_of(g);
        // A generator draws on its own device (see pt_random): a CPU one samples on the CPU and the ids move back.
        if (gen.has_value() && gen->device() != p.device()) {
            *out = new_handle(at::multinomial(p.to(gen->device()), n, replacement != 0, gen).to(p.device()));
        } else {
            *out = new_handle(at::multinomial(p, n, replacement != 0, gen));
        }
    })
}

// ---- neural-network functions ----

PT_API int pt_linear(pt_tensor x, pt_tensor w, pt_tensor b, pt_tensor* out) { PT_GUARD(*out = new_handle(at::linear(T(x), T(w), opt(b)))) }

PT_API int pt_embedding(pt_tensor weight, pt_tensor indices, int64_t padding_idx, pt_tensor* out) {
    PT_GUARD(*out = new_handle(at::embedding(T(weight), T(indices), padding_idx)))
}

PT_API int pt_rms_norm(pt_tensor x, pt_tensor weight, double eps, pt_tensor* out) {
    PT_GUARD({
        auto& in = T(x);
        at::Tensor fast;
        if (rms_norm_inference(in, opt(weight), eps, fast) || rms_norm_training(in, opt(weight), eps, fast)) {
            *out = new_handle(std::move(fast));
            return 0;
        }
        // As in Llama: normalise in float32 (or wider), cast back, then scale.
        bool widen = in.scalar_type() == at::kHalf || in.scalar_type() == at::kBFloat16;
        auto xf = widen ? in.to(at::kFloat) : in;
        auto y = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
        if (widen) y = y.to(in.scalar_type());
        if (weight != nullptr) y = T(weight) * y;
        *out = new_handle(std::move(y));
    })
}

PT_API int pt_layer_norm(pt_tensor x, const int64_t* shape, int ndim, pt_tensor weight, pt_tensor bias, double eps, pt_tensor* out) {
    PT_GUARD(*out = new_handle(at::layer_norm(T(x), dims(shape, ndim), opt(weight), opt(bias), eps)))
}

PT_API int pt_softmax(int log, pt_tensor a, int64_t dim, int dtype, pt_tensor* out) {
    PT_GUARD(*out = new_handle(log ? at::log_softmax(T(a), dim, opt_dtype(dtype)) : at::softmax(T(a), dim, opt_dtype(dtype))))
}

PT_API int pt_cross_entropy(pt_tensor logits, pt_tensor target, pt_tensor weight, int reduction, int64_t ignore_index,
                            double label_smoothing, pt_tensor* out) {
    PT_GUARD({
        TORCH_CHECK(reduction >= 0 && reduction <= 2, "reduction must be 0 (none), 1 (mean) or 2 (sum)");
        *out = new_handle(at::cross_entropy_loss(T(logits), T(target), opt(weight), reduction, ignore_index, label_smoothing));
    })
}

PT_API int pt_sdpa(pt_tensor q, pt_tensor k, pt_tensor v, pt_tensor mask, double dropout, int is_causal, double scale,
                   pt_tensor* out) {
    PT_GUARD({
        auto& qt = T(q);
        auto& kt = T(k);
        auto& vt = T(v);
        TORCH_CHECK(qt.dim() >= 2 && kt.dim() >= 2 && vt.dim() >= 2, "query, key and value need at least 2 dims");
        TORCH_CHECK(qt.size(-1) == kt.size(-1), "query head dim ", qt.size(-1), " differs from key head dim ", kt.size(-1));
        TORCH_CHECK(kt.size(-2) == vt.size(-2), "key length ", kt.size(-2), " differs from value length ", vt.size(-2));
        double s = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(qt.size(-1)));
        auto m = opt(mask);
#ifdef POSTTRAIN_HAS_SDPA
        if (m.has_value() && is_causal) {
            m = merge_masks(m, true, qt.size(-2), kt.size(-2), qt.device(), qt.scalar_type());
            is_causal = 0;
        }
        *out = new_handle(at::scaled_dot_product_attention(qt, kt, vt, m, dropout, is_causal != 0, s));
#else
        m = merge_masks(m, is_causal != 0, qt.size(-2), kt.size(-2), qt.device(), qt.scalar_type());
        *out = new_handle(sdpa_math(qt, kt, vt, m, dropout, s));
#endif
    })
}

PT_API int pt_dropout(pt_tensor a, double p, int train, pt_tensor* out) { PT_GUARD(*out = new_handle(at::dropout(T(a), p, train != 0))) }

// Times an op in a C++ loop, with no binding in between: the floor the benchmark compares bindings against.
PT_API int pt_bench_native_loop(int op, pt_tensor a, pt_tensor b, int64_t n, double* ns_per_call) {
    PT_GUARD({
        auto& x = T(a);
        auto& y = T(b);
        auto start = std::chrono::steady_clock::now();
        for (int64_t i = 0; i < n; ++i) {
            if (op == 0) {
                auto r = at::add(x, y);
            } else if (op == 1) {
                x.add_(y);
            } else {
                TORCH_CHECK(false, "unknown benchmark op ", op);
            }
        }
        auto end = std::chrono::steady_clock::now();
        *ns_per_call = std::chrono::duration<double, std::nano>(end - start).count() / static_cast<double>(n);
    })
}

PT_API int pt_var_std(int is_std, pt_tensor a, const int64_t* d, int ndims, int unbiased, int keepdim, pt_tensor* out) {
    PT_GUARD({
        auto& x = T(a);
        at::OptionalIntArrayRef ds = c10::nullopt;
        if (ndims > 0) ds = dims(d, ndims);
        *out = new_handle(is_std ? at::std(x, ds, unbiased != 0, keepdim != 0) : at::var(x, ds, unbiased != 0, keepdim != 0));
    })
}

PT_API int pt_scatter(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor src, pt_tensor* out) {
    PT_GUARD(*out = new_handle(T(a).scatter(dim, T(index), T(src))))
}
