// Causal attention over variable-length sequences packed into one row without padding (FlashAttention's cu_seqlens
// layout), float32 on the CPU, with autograd: forward and backward are hand-written loops over (sequence, key/value
// head) tasks, so no [L, S] mask is built, no padded position is computed, and grouped-query heads read their
// key/value head in place instead of expanding it. Forward keeps each query row's log-sum-exp; backward recomputes the
// probabilities from it (FlashAttention-2's math: dP = dO Vᵀ, dS = P ∘ (dP − rowsum(dO ∘ O)), dQ = dS K · scale,
// dK = dSᵀ Q · scale, dV = Pᵀ dO; dK and dV summed over the query heads that share a key/value head).
// Every sum runs in a fixed order inside one task, and tasks write disjoint outputs, so results do not depend on the
// thread count.
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define POSTTRAIN_VARLEN_X86 1
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common.h"

using namespace posttrain;

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct VarlenArgs {
    const float* q;  // [H, N, D] strided (D contiguous)
    const float* k;  // [Hkv, N, D]
    const float* v;
    const int64_t* cu;  // [S + 1]
    // Optional rotary tables [N, D] (null: none): q and k are rotated here, in the half-split convention, and their
    // gradients rotated back, so the rotation costs no separate passes (or autograd nodes) over q and k.
    const float* cos;
    const float* sin;
    int64_t S, H, Hkv, D;
    int64_t qs0, qs1, ks0, ks1, vs0, vs1;
    float scale;
    // forward
    float* out;  // [N, H, D] contiguous
    float* lse;  // [H, N]
    int64_t N;
    // backward
    const float* o;   // [N, H, D] contiguous (forward's output)
    const float* go;  // [N, H, D] contiguous (its gradient)
    const float* lse_in;
    float* dq;  // [H, N, D] contiguous
    float* dk;  // [Hkv, N, D] contiguous
    float* dv;
};

// Transposes rows base..base+L of one head of x ([*, N, D], row stride rs) into t [D][Lp], zero beyond L.
// out = x·cos + rotate_half(x)·sin, rotate_half(x) = (−x₂, x₁): RotaryEmbedding.Apply's arithmetic for one row.
template <int64_t CD>
inline __attribute__((always_inline)) void rotate_row(const float* x, const float* c, const float* s, int64_t Dr, float* out) {
    const int64_t D = CD > 0 ? CD : Dr, half = D / 2;
    for (int64_t i = 0; i < half; ++i) out[i] = x[i] * c[i] + (-x[i + half]) * s[i];
    for (int64_t i = half; i < D; ++i) out[i] = x[i] * c[i] + x[i - half] * s[i];
}

// The rotation's transpose, for gradients: out = g·cos + rotate_halfᵀ(g·sin), rotate_halfᵀ(z) = (z₂, −z₁).
template <int64_t CD>
inline __attribute__((always_inline)) void unrotate_row(const float* g, const float* c, const float* s, int64_t Dr, float* out) {
    const int64_t D = CD > 0 ? CD : Dr, half = D / 2;
    for (int64_t i = 0; i < half; ++i) out[i] = g[i] * c[i] + g[i + half] * s[i + half];
    for (int64_t i = half; i < D; ++i) out[i] = g[i] * c[i] - g[i - half] * s[i - half];
}

// Rows base..base+L of one key head, rotated, into kr [L][D]; returns kr, or the rows in place without rotary.
template <int64_t CD>
inline __attribute__((always_inline)) const float* keys_of(const VarlenArgs& a, const float* kb, int64_t base, int64_t L, float* kr, int64_t& stride) {
    const int64_t D = CD > 0 ? CD : a.D;
    if (a.cos == nullptr) {
        stride = a.ks1;
        return kb;
    }
    for (int64_t j = 0; j < L; ++j) rotate_row<CD>(kb + j * a.ks1, a.cos + (base + j) * D, a.sin + (base + j) * D, D, kr + j * D);
    stride = D;
    return kr;
}

template <int64_t CD>
inline __attribute__((always_inline)) void transpose_rows(const float* x, int64_t rs, int64_t L, int64_t Lp, int64_t Dr, float* t) {
    const int64_t D = CD > 0 ? CD : Dr;
    for (int64_t j = 0; j < L; ++j) {
        const float* row = x + j * rs;
        for (int64_t d = 0; d < D; ++d) t[d * Lp + j] = row[d];
    }
    for (int64_t d = 0; d < D; ++d) {
        for (int64_t j = L; j < Lp; ++j) t[d * Lp + j] = 0.0f;
    }
}

// s[j] = Σ_d a[d] · t[d][j] for j < n (rounded up to 8), summed over d in order; t is [D][Lp].
template <int64_t CD>
inline __attribute__((always_inline)) void row_times(const float* a, const float* t, int64_t Lp, int64_t n, int64_t Dr, float* s) {
    const int64_t D = CD > 0 ? CD : Dr;
    for (int64_t b = 0; b < n; b += 8) {
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        const float* col = t + b;
        for (int64_t d = 0; d < D; ++d) {
            const float ad = a[d];
            const float* tr = col + d * Lp;
            for (int l = 0; l < 8; ++l) acc[l] += ad * tr[l];
        }
        for (int l = 0; l < 8; ++l) s[b + l] = acc[l];
    }
}

#ifdef POSTTRAIN_VARLEN_X86
// row_times with AVX2: four blocks of 8 keys at a time, so four independent FMA chains run at once. Each lane still
// sums over d in order, as the scalar path does (with fused multiply-adds).
__attribute__((target("avx2,fma"))) inline void row_times_avx2(const float* a, const float* t, int64_t Lp, int64_t n, int64_t D, float* s) {
    int64_t b = 0;
    for (; b + 32 <= ((n + 7) / 8) * 8; b += 32) {
        __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps();
        const float* col = t + b;
        for (int64_t d = 0; d < D; ++d) {
            const __m256 ad = _mm256_broadcast_ss(a + d);
            const float* tr = col + d * Lp;
            c0 = _mm256_fmadd_ps(ad, _mm256_loadu_ps(tr), c0);
            c1 = _mm256_fmadd_ps(ad, _mm256_loadu_ps(tr + 8), c1);
            c2 = _mm256_fmadd_ps(ad, _mm256_loadu_ps(tr + 16), c2);
            c3 = _mm256_fmadd_ps(ad, _mm256_loadu_ps(tr + 24), c3);
        }
        _mm256_storeu_ps(s + b, c0);
        _mm256_storeu_ps(s + b + 8, c1);
        _mm256_storeu_ps(s + b + 16, c2);
        _mm256_storeu_ps(s + b + 24, c3);
    }
    for (; b + 16 <= ((n + 7) / 8) * 8; b += 16) {
        __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps();
        const float* col = t + b;
        for (int64_t d = 0; d < D; ++d) {
            const __m256 ad = _mm256_broadcast_ss(a + d);
            const float* tr = col + d * Lp;
            c0 = _mm256_fmadd_ps(ad, _mm256_loadu_ps(tr), c0);
            c1 = _mm256_fmadd_ps(ad, _mm256_loadu_ps(tr + 8), c1);
        }
        _mm256_storeu_ps(s + b, c0);
        _mm256_storeu_ps(s + b + 8, c1);
    }
    for (; b < n; b += 8) {
        __m256 c0 = _mm256_setzero_ps();
        const float* col = t + b;
        for (int64_t d = 0; d < D; ++d) c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a + d), _mm256_loadu_ps(col + d * Lp), c0);
        _mm256_storeu_ps(s + b, c0);
    }
}

// o = Σ_{j < n} p[j] · v_j (rows of D floats, D a multiple of 8, at most 128), summed over j in order.
__attribute__((target("avx2,fma"))) inline void weighted_rows_avx2(const float* p, const float* v, int64_t vs, int64_t n, int64_t D, float* o) {
    __m256 acc[16];
    const int64_t C = D / 8;
    for (int64_t c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
    for (int64_t j = 0; j < n; ++j) {
        const __m256 pj = _mm256_broadcast_ss(p + j);
        const float* vj = v + j * vs;
        for (int64_t c = 0; c < C; ++c) acc[c] = _mm256_fmadd_ps(pj, _mm256_loadu_ps(vj + 8 * c), acc[c]);
    }
    for (int64_t c = 0; c < C; ++c) _mm256_storeu_ps(o + 8 * c, acc[c]);
}

// Backward's rank-one updates for one query row: dq = Σ_j ds[j] · k_j; dk_j += ds[j] · q; dv_j += p[j] · g.
__attribute__((target("avx2,fma"))) inline void backward_row_avx2(const float* ds, const float* p, const float* k, int64_t ks,
                                                                   const float* q, const float* g, float* dk, float* dv, int64_t n,
                                                                   int64_t D, float* dq) {
    __m256 acc[16], qv[16], gv[16];
    const int64_t C = D / 8;
    for (int64_t c = 0; c < C; ++c) {
        acc[c] = _mm256_setzero_ps();
        qv[c] = _mm256_loadu_ps(q + 8 * c);
        gv[c] = _mm256_loadu_ps(g + 8 * c);
    }
    for (int64_t j = 0; j < n; ++j) {
        const __m256 sj = _mm256_broadcast_ss(ds + j);
        const __m256 pj = _mm256_broadcast_ss(p + j);
        const float* kj = k + j * ks;
        float* dkj = dk + j * D;
        float* dvj = dv + j * D;
        for (int64_t c = 0; c < C; ++c) {
            acc[c] = _mm256_fmadd_ps(sj, _mm256_loadu_ps(kj + 8 * c), acc[c]);
            _mm256_storeu_ps(dkj + 8 * c, _mm256_fmadd_ps(sj, qv[c], _mm256_loadu_ps(dkj + 8 * c)));
            _mm256_storeu_ps(dvj + 8 * c, _mm256_fmadd_ps(pj, gv[c], _mm256_loadu_ps(dvj + 8 * c)));
        }
    }
    for (int64_t c = 0; c < C; ++c) _mm256_storeu_ps(dq + 8 * c, acc[c]);
}
#endif

template <bool AVX>
inline __attribute__((always_inline)) bool vector_rows(int64_t D) {
#ifdef POSTTRAIN_VARLEN_X86
    return AVX && D % 8 == 0 && D <= 128;
#else
    (void)D;
    return false;
#endif
}

template <bool AVX, int64_t CD>
inline __attribute__((always_inline)) void scores_of(const float* a, const float* t, int64_t Lp, int64_t n, int64_t D, float* s) {
#ifdef POSTTRAIN_VARLEN_X86
    if constexpr (AVX) {
        row_times_avx2(a, t, Lp, n, D, s);
        return;
    }
#endif
    row_times<CD>(a, t, Lp, n, D, s);
}

// One task's sequence and key/value head: where its rows start, how many, its keys (rotated where the kernel
// rotates) and values.
struct Task {
    int64_t kvh, G, base, L, Lp, krs;
    const float* kb;
    const float* vb;
};

// Opens a task and transposes its keys into kt; false for an empty sequence.
template <int64_t CD>
inline __attribute__((always_inline)) bool open_task(const VarlenArgs& a, int64_t task, float* kt, float* kr, Task& t) {
    const int64_t D = CD > 0 ? CD : a.D;
    const int64_t seq = task / a.Hkv;
    t.kvh = task % a.Hkv;
    t.G = a.H / a.Hkv;
    t.base = a.cu[seq];
    t.L = a.cu[seq + 1] - t.base;
    if (t.L <= 0) return false;
    t.Lp = (t.L + 7) / 8 * 8;
    t.krs = 0;
    t.kb = keys_of<CD>(a, a.k + t.kvh * a.ks0 + t.base * a.ks1, t.base, t.L, kr, t.krs);
    t.vb = a.v + t.kvh * a.vs0 + t.base * a.vs1;
    transpose_rows<CD>(t.kb, t.krs, t.L, t.Lp, D, kt);
    return true;
}

template <bool AVX, int64_t CD>
inline __attribute__((always_inline)) void forward_task(const VarlenArgs& a, int64_t task, float* kt, float* sc, float* kr) {
    const int64_t D = CD > 0 ? CD : a.D;
    Task t;
    if (!open_task<CD>(a, task, kt, kr, t)) return;
    const auto& [kvh, G, base, L, Lp, krs, kb, vb] = t;
    float qbuf[CD > 0 ? CD : 1024];
    for (int64_t g = 0; g < G; ++g) {
        const int64_t h = kvh * G + g;
        for (int64_t i = 0; i < L; ++i) {
            const float* qi = a.q + h * a.qs0 + (base + i) * a.qs1;
            if (a.cos != nullptr) {
                rotate_row<CD>(qi, a.cos + (base + i) * D, a.sin + (base + i) * D, D, qbuf);
                qi = qbuf;
            }
            scores_of<AVX, CD>(qi, kt, Lp, i + 1, D, sc);
            float best = kNegInf;
            for (int64_t j = 0; j <= i; ++j) {
                sc[j] *= a.scale;
                best = std::max(best, sc[j]);
            }
            float total = 0;
            for (int64_t j = 0; j <= i; ++j) {
                sc[j] = std::exp(sc[j] - best);
                total += sc[j];
            }
            float o[CD > 0 ? CD : 1024];
#ifdef POSTTRAIN_VARLEN_X86
            if (vector_rows<AVX>(D)) {
                weighted_rows_avx2(sc, vb, a.vs1, i + 1, D, o);
            } else
#endif
            {
                for (int64_t d = 0; d < D; ++d) o[d] = 0;
                for (int64_t j = 0; j <= i; ++j) {
                    const float p = sc[j];
                    const float* vj = vb + j * a.vs1;
                    for (int64_t d = 0; d < D; ++d) o[d] += p * vj[d];
                }
            }
            const float inv = 1.0f / total;
            float* orow = a.out + ((base + i) * a.H + h) * D;
            for (int64_t d = 0; d < D; ++d) orow[d] = o[d] * inv;
            a.lse[h * a.N + base + i] = best + std::log(total);
        }
    }
}

template <bool AVX, int64_t CD>
inline __attribute__((always_inline)) void backward_task(const VarlenArgs& a, int64_t task, float* kt, float* vt, float* sc, float* dp, float* kr) {
    const int64_t D = CD > 0 ? CD : a.D;
    Task t;
    if (!open_task<CD>(a, task, kt, kr, t)) return;
    const auto& [kvh, G, base, L, Lp, krs, kb, vb] = t;
    transpose_rows<CD>(vb, a.vs1, L, Lp, D, vt);
    float qbuf[CD > 0 ? CD : 1024];
    float dqbuf[CD > 0 ? CD : 1024];
    float* dkb = a.dk + (kvh * a.N + base) * D;
    float* dvb = a.dv + (kvh * a.N + base) * D;
    for (int64_t x = 0; x < L * D; ++x) {
        dkb[x] = 0;
        dvb[x] = 0;
    }
    for (int64_t g = 0; g < G; ++g) {
        const int64_t h = kvh * G + g;
        for (int64_t i = 0; i < L; ++i) {
            const float* qi = a.q + h * a.qs0 + (base + i) * a.qs1;
            if (a.cos != nullptr) {
                rotate_row<CD>(qi, a.cos + (base + i) * D, a.sin + (base + i) * D, D, qbuf);
                qi = qbuf;
            }
            const float* oi = a.o + ((base + i) * a.H + h) * D;
            const float* gi = a.go + ((base + i) * a.H + h) * D;
            float di = 0;
            for (int64_t d = 0; d < D; ++d) di += gi[d] * oi[d];
            const float lse = a.lse_in[h * a.N + base + i];
            scores_of<AVX, CD>(qi, kt, Lp, i + 1, D, sc);
            scores_of<AVX, CD>(gi, vt, Lp, i + 1, D, dp);
            for (int64_t j = 0; j <= i; ++j) {
                const float p = std::exp(sc[j] * a.scale - lse);
                sc[j] = p;                        // P
                dp[j] = p * (dp[j] - di) * a.scale;  // dS · scale
            }
            float* dqi = a.dq + (h * a.N + base + i) * D;
            float* dq = a.cos != nullptr ? dqbuf : dqi;  // the gradient of the rotated row first, then rotated back
#ifdef POSTTRAIN_VARLEN_X86
            if (vector_rows<AVX>(D)) {
                backward_row_avx2(dp, sc, kb, krs, qi, gi, dkb, dvb, i + 1, D, dq);
            } else
#endif
            {
            for (int64_t d = 0; d < D; ++d) dq[d] = 0;
            for (int64_t j = 0; j <= i; ++j) {
                const float s = dp[j];
                const float p = sc[j];
                const float* kj = kb + j * krs;
                float* dkj = dkb + j * D;
                float* dvj = dvb + j * D;
                for (int64_t d = 0; d < D; ++d) {
                    dq[d] += s * kj[d];
                    dkj[d] += s * qi[d];
                    dvj[d] += p * gi[d];
                }
            }
            }
            if (a.cos != nullptr) unrotate_row<CD>(dqbuf, a.cos + (base + i) * D, a.sin + (base + i) * D, D, dqi);
        }
    }
    if (a.cos != nullptr) {
        for (int64_t j = 0; j < L; ++j) {
            float* row = dkb + j * D;
            for (int64_t d = 0; d < D; ++d) qbuf[d] = row[d];
            unrotate_row<CD>(qbuf, a.cos + (base + j) * D, a.sin + (base + j) * D, D, row);
        }
    }
}

template <bool AVX, int64_t CD>
inline __attribute__((always_inline)) void run_tasks(const VarlenArgs& a, bool backward, int64_t begin, int64_t end, float* scratch, int64_t Lp) {
    const int64_t D = CD > 0 ? CD : a.D;
    float* kt = scratch;
    float* vt = kt + D * Lp;
    float* sc = vt + D * Lp;
    float* dp = sc + Lp;
    float* kr = dp + Lp;
    for (int64_t t = begin; t < end; ++t) {
        if (backward) {
            backward_task<AVX, CD>(a, t, kt, vt, sc, dp, kr);
        } else {
            forward_task<AVX, CD>(a, t, kt, sc, kr);
        }
    }
}

template <bool AVX>
inline __attribute__((always_inline)) void run_any(const VarlenArgs& a, bool backward, int64_t begin, int64_t end, float* scratch, int64_t Lp) {
    switch (a.D) {
        case 32: run_tasks<AVX, 32>(a, backward, begin, end, scratch, Lp); break;
        case 64: run_tasks<AVX, 64>(a, backward, begin, end, scratch, Lp); break;
        case 128: run_tasks<AVX, 128>(a, backward, begin, end, scratch, Lp); break;
        default: run_tasks<AVX, 0>(a, backward, begin, end, scratch, Lp); break;
    }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma"))) void run_avx2(const VarlenArgs& a, bool backward, int64_t begin, int64_t end, float* scratch, int64_t Lp) {
    run_any<true>(a, backward, begin, end, scratch, Lp);
}
bool varlen_has_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}
#else
void run_avx2(const VarlenArgs& a, bool backward, int64_t begin, int64_t end, float* scratch, int64_t Lp) {
    run_any<false>(a, backward, begin, end, scratch, Lp);
}
bool varlen_has_avx2() { return false; }
#endif

void run_generic(const VarlenArgs& a, bool backward, int64_t begin, int64_t end, float* scratch, int64_t Lp) {
    run_any<false>(a, backward, begin, end, scratch, Lp);
}

void dispatch(const VarlenArgs& a, bool backward) {
    int64_t longest = 0;
    for (int64_t s = 0; s < a.S; ++s) longest = std::max(longest, a.cu[s + 1] - a.cu[s]);
    const int64_t Lp = (longest + 7) / 8 * 8;
    const bool avx2 = varlen_has_avx2();
    at::parallel_for(0, a.S * a.Hkv, 1, [&](int64_t begin, int64_t end) {
        std::vector<float> scratch(static_cast<size_t>(3 * a.D * Lp + 2 * Lp + 8));
        if (avx2) {
            run_avx2(a, backward, begin, end, scratch.data(), Lp);
        } else {
            run_generic(a, backward, begin, end, scratch.data(), Lp);
        }
    });
}

void check_inputs(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& cu) {
    for (const at::Tensor* t : {&q, &k, &v}) {
        TORCH_CHECK(t->dim() == 3 && t->device().is_cpu() && t->scalar_type() == at::kFloat,
                    "varlen attention takes 3-d float32 CPU tensors: q [H, N, D], k and v [Hkv, N, D]");
    }
    const int64_t H = q.size(0), N = q.size(1), D = q.size(2), Hkv = k.size(0);
    TORCH_CHECK(k.size(1) == N && k.size(2) == D && v.sizes() == k.sizes(), "k and v must be [Hkv, ", N, ", ", D, "]");
    TORCH_CHECK(Hkv > 0 && H % Hkv == 0, "query heads ", H, " are not a multiple of key/value heads ", Hkv);
    TORCH_CHECK(D <= 1024, "varlen attention supports head widths up to 1024");
    TORCH_CHECK(cu.dim() == 1 && cu.size(0) >= 2 && cu.scalar_type() == at::kLong && cu.device().is_cpu() && cu.is_contiguous(),
                "cu_seqlens must be a contiguous int64 CPU vector [sequences + 1]");
    const int64_t* c = cu.data_ptr<int64_t>();
    TORCH_CHECK(c[0] == 0 && c[cu.size(0) - 1] == N, "cu_seqlens must start at 0 and end at ", N);
    for (int64_t s = 1; s < cu.size(0); ++s) TORCH_CHECK(c[s] >= c[s - 1], "cu_seqlens must not decrease");
}

VarlenArgs args_of(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& cu, const at::Tensor& cos,
                   const at::Tensor& sin, double scale) {
    VarlenArgs a{};
    a.cos = cos.numel() > 0 ? cos.data_ptr<float>() : nullptr;  // empty tables: no rotary
    a.sin = sin.numel() > 0 ? sin.data_ptr<float>() : nullptr;
    a.q = q.data_ptr<float>();
    a.k = k.data_ptr<float>();
    a.v = v.data_ptr<float>();
    a.cu = cu.data_ptr<int64_t>();
    a.S = cu.size(0) - 1;
    a.H = q.size(0);
    a.N = q.size(1);
    a.D = q.size(2);
    a.Hkv = k.size(0);
    a.qs0 = q.stride(0);
    a.qs1 = q.stride(1);
    a.ks0 = k.stride(0);
    a.ks1 = k.stride(1);
    a.vs0 = v.stride(0);
    a.vs1 = v.stride(1);
    a.scale = static_cast<float>(scale);
    return a;
}

// The head dimension must be contiguous; anything else is copied.
at::Tensor rows_of(const at::Tensor& t) { return t.stride(2) == 1 ? t : t.contiguous(); }

struct VarlenAttentionFunction : public torch::autograd::Function<VarlenAttentionFunction> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& query, const at::Tensor& key,
                              const at::Tensor& value, const at::Tensor& cu_seqlens, const at::Tensor& cos, const at::Tensor& sin,
                              double scale) {
        auto q = rows_of(query), k = rows_of(key), v = rows_of(value);
        auto a = args_of(q, k, v, cu_seqlens, cos, sin, scale);
        auto out = at::empty({a.N, a.H, a.D}, q.options());
        auto lse = at::empty({a.H, a.N}, q.options());
        a.out = out.data_ptr<float>();
        a.lse = lse.data_ptr<float>();
        dispatch(a, false);
        ctx->save_for_backward({q, k, v, out, lse, cu_seqlens, cos, sin});
        ctx->saved_data["scale"] = scale;
        return out;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grads) {
        auto saved = ctx->get_saved_variables();
        const auto &q = saved[0], &k = saved[1], &v = saved[2], &out = saved[3], &lse = saved[4], &cu = saved[5];
        auto go = grads[0].contiguous();
        auto a = args_of(q, k, v, cu, saved[6], saved[7], ctx->saved_data["scale"].toDouble());
        auto dq = at::empty({a.H, a.N, a.D}, q.options());
        auto dk = at::empty({a.Hkv, a.N, a.D}, k.options());
        auto dv = at::empty({a.Hkv, a.N, a.D}, v.options());
        a.o = out.data_ptr<float>();
        a.go = go.data_ptr<float>();
        a.lse_in = lse.data_ptr<float>();
        a.dq = dq.data_ptr<float>();
        a.dk = dk.data_ptr<float>();
        a.dv = dv.data_ptr<float>();
        dispatch(a, true);
        return {dq, dk, dv, torch::autograd::Variable(), torch::autograd::Variable(), torch::autograd::Variable(), torch::autograd::Variable()};
    }
};
}  // namespace

// Causal attention over the sequences packed in one row: q [H, N, D], k and v [Hkv, N, D] (float32 CPU, any strides;
// a non-contiguous head dimension is copied), cu_seqlens int64 [S + 1] with sequence s at positions
// cu_seqlens[s]..cu_seqlens[s + 1] − 1; query i of a sequence sees keys 0..i of its own sequence only. Returns
// out [N, H, D] contiguous (the [N, H·D] layout the output projection takes). Differentiable in q, k and v. With rotary
// tables cos and sin (N·D floats each, e.g. [1, 1, N, D]; both or neither), q and k are rotated first (half-split
// convention, as RotaryEmbedding.Apply) and their gradients are those of the unrotated q and k.
PT_API int pt_varlen_attention(pt_tensor q, pt_tensor k, pt_tensor v, pt_tensor cu_seqlens, pt_tensor cos, pt_tensor sin, double scale,
                               pt_tensor* out) {
    PT_GUARD({
        auto& qt = T(q);
        auto& kt = T(k);
        auto& vt = T(v);
        auto& ct = T(cu_seqlens);
        check_inputs(qt, kt, vt, ct);
        TORCH_CHECK((cos == nullptr) == (sin == nullptr), "give both rotary tables or neither");
        // No rotary: empty tables (autograd's apply needs defined tensors).
        at::Tensor c = at::empty({0}, qt.options()), sn = c;
        if (cos != nullptr) {
            const int64_t N = qt.size(1), D = qt.size(2);
            TORCH_CHECK(D % 2 == 0, "rotary needs an even head width");
            for (pt_tensor t : {cos, sin}) {
                auto& tt = T(t);
                TORCH_CHECK(tt.device().is_cpu() && tt.scalar_type() == at::kFloat && tt.numel() == N * D && tt.size(-1) == D,
                            "rotary tables must be float32 CPU with ", N, " rows of ", D);
                TORCH_CHECK(!tt.requires_grad(), "varlen attention takes no gradient for the rotary tables");
            }
            c = T(cos).contiguous().view({N, D});
            sn = T(sin).contiguous().view({N, D});
        }
        const double s = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(qt.size(2)));
        *out = new_handle(VarlenAttentionFunction::apply(qt, kt, vt, ct, c, sn, s));
    })
}
