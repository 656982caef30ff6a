// Kernels for token-by-token decoding on the CPU, where one query row per sequence meets a KV cache.
#include <ATen/Parallel.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define POSTTRAIN_X86 1
#endif

#include <cmath>
#include <limits>
#include <vector>

#include "common.h"

using namespace posttrain;

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct DecodeArgs {
    const float* q;
    float* k;  // the cache, [B, Hkv, capacity, D]
    float* v;
    const float* knew;  // this step's keys and values, [A, Hkv, 1, D]
    const float* vnew;
    const int64_t* rows;  // active row a -> cache row (null: a)
    const bool* mask;
    float* out;
    // An optional shared prefix: positions below P are read from prefix row prows[cache row] instead of the cache.
    const float* pk;
    const float* pv;
    const int64_t* prows;
    int64_t P;
    int64_t H, Hkv, L, D;
    int64_t qs0, qs1, ks0, ks1, ks2, vs0, vs1, vs2, ns0, ns1, ws0, ws1, ms0, ms3, pks0, pks1, pks2, pvs0, pvs1, pvs2;
    float scale;
};

// Scores of one query row against 8 key rows (D a multiple of 8): per key, 8 lanes summed over the width, then the
// lanes added as ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)), the order the scalar path below uses too.
#ifdef POSTTRAIN_X86
__attribute__((target("avx2,fma"))) inline void dots8(const float* q, const float* const* k, int64_t D, float scale, float* out) {
    __m256 acc[8];
    for (int t = 0; t < 8; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t c = 0; c < D; c += 8) {
        const __m256 qv = _mm256_loadu_ps(q + c);
        for (int t = 0; t < 8; ++t) acc[t] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k[t] + c), acc[t]);
    }
    const __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));  // keys 0-3: lanes 0-3 | 4-7
    const __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(acc[4], acc[5]), _mm256_hadd_ps(acc[6], acc[7]));  // keys 4-7
    const __m256 low = _mm256_permute2f128_ps(u0, u1, 0x20);
    const __m256 high = _mm256_permute2f128_ps(u0, u1, 0x31);
    _mm256_storeu_ps(out, _mm256_mul_ps(_mm256_add_ps(low, high), _mm256_set1_ps(scale)));
}
#endif

// One (sequence, key/value head) with the query heads that share it, each cached key and value row read once for all of
// them. CD and CG are the head width and group size when known at compile time (0: the runtime a.D, a.H / a.Hkv), so
// the accumulators stay in registers. Each sum runs in a fixed order, so the result depends only on the operands (and
// on the instruction set the CPU offers).
template <bool AVX, int64_t CD, int64_t CG>
inline __attribute__((always_inline)) void decode_head(const DecodeArgs& a, int64_t r, int64_t kvh, float* scores, float* acc) {
    const int64_t D = CD > 0 ? CD : a.D;
    const int64_t G = CG > 0 ? CG : a.H / a.Hkv;
    const int64_t b = a.rows != nullptr ? a.rows[r] : r;  // the cache row (and mask row) of active row r
    float* kb = a.k + b * a.ks0 + kvh * a.ks1;
    float* vb = a.v + b * a.vs0 + kvh * a.vs1;
    {
        // This step's key and value go into the cache at the last position first.
        const float* kn = a.knew + r * a.ns0 + kvh * a.ns1;
        const float* vn = a.vnew + r * a.ws0 + kvh * a.ws1;
        float* kd = kb + (a.L - 1) * a.ks2;
        float* vd = vb + (a.L - 1) * a.vs2;
        for (int64_t d = 0; d < D; ++d) kd[d] = kn[d];
        for (int64_t d = 0; d < D; ++d) vd[d] = vn[d];
    }
    const float* qb = a.q + r * a.qs0 + kvh * G * a.qs1;
    const int64_t P = a.pk != nullptr ? a.P : 0;
    const float* pkb = P > 0 ? a.pk + a.prows[b] * a.pks0 + kvh * a.pks1 : nullptr;
    const float* pvb = P > 0 ? a.pv + a.prows[b] * a.pvs0 + kvh * a.pvs1 : nullptr;
    float best[CG > 0 ? CG : 64];
    float total[CG > 0 ? CG : 64];
    for (int64_t g = 0; g < G; ++g) best[g] = kNegInf;
    int64_t j = 0;
#ifdef POSTTRAIN_X86
    if constexpr (AVX) {
        if (D % 8 == 0) {
            // 8 keys at a time: the horizontal sums are shared. Masked keys are scored too, and their scores (whatever
            // an unwritten position held) then replaced by -inf.
            for (; j + 8 <= a.L; j += 8) {
                const float* rows8[8];
                for (int t = 0; t < 8; ++t) rows8[t] = j + t < P ? pkb + (j + t) * a.pks2 : kb + (j + t) * a.ks2;
                for (int64_t g = 0; g < G; ++g) dots8(qb + g * a.qs1, rows8, D, a.scale, scores + g * a.L + j);
                for (int t = 0; t < 8; ++t) {
                    const bool keep = a.mask == nullptr || a.mask[b * a.ms0 + (j + t) * a.ms3];
                    for (int64_t g = 0; g < G; ++g) {
                        float& sc = scores[g * a.L + j + t];
                        if (!keep) {
                            sc = kNegInf;
                        } else if (sc > best[g]) {
                            best[g] = sc;
                        }
                    }
                }
            }
        }
    }
#endif
    for (; j < a.L; ++j) {
        if (a.mask != nullptr && !a.mask[b * a.ms0 + j * a.ms3]) {
            for (int64_t g = 0; g < G; ++g) scores[g * a.L + j] = kNegInf;
            continue;
        }
        const float* krow = j < P ? pkb + j * a.pks2 : kb + j * a.ks2;
        for (int64_t g = 0; g < G; ++g) {
            const float* qrow = qb + g * a.qs1;
            float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int64_t i = 0;
            for (; i + 8 <= D; i += 8) {
                for (int l = 0; l < 8; ++l) lanes[l] += qrow[i + l] * krow[i + l];
            }
            for (; i < D; ++i) lanes[i & 7] += qrow[i] * krow[i];
            const float sc = (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))) * a.scale;
            scores[g * a.L + j] = sc;
            if (sc > best[g]) best[g] = sc;
        }
    }
    // Probabilities (unnormalised) in place of the scores.
    for (int64_t g = 0; g < G; ++g) {
        float* sc = scores + g * a.L;
        float t = 0;
        if (best[g] != kNegInf) {
            for (int64_t j = 0; j < a.L; ++j) {
                const float p = sc[j] == kNegInf ? 0.0f : std::exp(sc[j] - best[g]);
                sc[j] = p;
                t += p;
            }
        }
        total[g] = t;
    }
    float local[CD > 0 && CG > 0 ? CD * CG : 1];  // in registers when the sizes are known
    float* o = CD > 0 && CG > 0 ? local : acc;
    for (int64_t x = 0; x < G * D; ++x) o[x] = 0;
    for (int64_t j = 0; j < a.L; ++j) {
        if (a.mask != nullptr && !a.mask[b * a.ms0 + j * a.ms3]) continue;
        const float* vrow = j < P ? pvb + j * a.pvs2 : vb + j * a.vs2;
        for (int64_t g = 0; g < G; ++g) {
            const float p = scores[g * a.L + j];
            float* og = o + g * D;
            for (int64_t d = 0; d < D; ++d) og[d] += p * vrow[d];
        }
    }
    for (int64_t g = 0; g < G; ++g) {
        float* orow = a.out + (r * a.H + kvh * G + g) * D;
        if (best[g] == kNegInf) {  // every key masked: undefined, as libtorch's softmax makes it (NaN)
            for (int64_t d = 0; d < D; ++d) orow[d] = std::numeric_limits<float>::quiet_NaN();
            continue;
        }
        const float inv = 1.0f / total[g];
        for (int64_t d = 0; d < D; ++d) orow[d] = o[g * D + d] * inv;
    }
}

template <bool AVX, int64_t CD, int64_t CG>
inline __attribute__((always_inline)) void decode_rows(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) {
    for (int64_t r = begin; r < end; ++r) decode_head<AVX, CD, CG>(a, r / a.Hkv, r % a.Hkv, scores, acc);
}

template <bool AVX, int64_t CD>
inline __attribute__((always_inline)) void decode_group(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) {
    switch (a.H / a.Hkv) {
        case 1: decode_rows<AVX, CD, 1>(a, begin, end, scores, acc); break;
        case 2: decode_rows<AVX, CD, 2>(a, begin, end, scores, acc); break;
        case 4: decode_rows<AVX, CD, 4>(a, begin, end, scores, acc); break;
        default: decode_rows<AVX, CD, 0>(a, begin, end, scores, acc); break;
    }
}

template <bool AVX>
inline __attribute__((always_inline)) void decode_any(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) {
    switch (a.D) {
        case 32: decode_group<AVX, 32>(a, begin, end, scores, acc); break;
        case 64: decode_group<AVX, 64>(a, begin, end, scores, acc); break;
        case 128: decode_group<AVX, 128>(a, begin, end, scores, acc); break;
        default: decode_rows<AVX, 0, 0>(a, begin, end, scores, acc); break;
    }
}

#ifdef POSTTRAIN_X86
__attribute__((target("avx2,fma"))) void decode_avx2(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) {
    decode_any<true>(a, begin, end, scores, acc);
}
#else
void decode_avx2(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) { decode_any<false>(a, begin, end, scores, acc); }
#endif

void decode_generic(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) { decode_any<false>(a, begin, end, scores, acc); }

// y = w · x / sqrt(mean(x²) + eps) over rows of n floats (w may be null).
inline __attribute__((always_inline)) void rms_rows(const float* x, const float* w, float* y, int64_t n, double eps, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
        const float* xr = x + r * n;
        float* yr = y + r * n;
        float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 8 <= n; i += 8) {
            for (int l = 0; l < 8; ++l) lanes[l] += xr[i + l] * xr[i + l];
        }
        for (; i < n; ++i) lanes[i & 7] += xr[i] * xr[i];
        const float sum = ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
        const float inv = 1.0f / std::sqrt(sum / static_cast<float>(n) + static_cast<float>(eps));
        if (w != nullptr) {
            for (int64_t j = 0; j < n; ++j) yr[j] = w[j] * (xr[j] * inv);
        } else {
            for (int64_t j = 0; j < n; ++j) yr[j] = xr[j] * inv;
        }
    }
}

#ifdef POSTTRAIN_X86
__attribute__((target("avx2,fma")))
#endif
void rms_avx2(const float* x, const float* w, float* y, int64_t n, double eps, int64_t begin, int64_t end) {
    rms_rows(x, w, y, n, eps, begin, end);
}

void rms_generic(const float* x, const float* w, float* y, int64_t n, double eps, int64_t begin, int64_t end) {
    rms_rows(x, w, y, n, eps, begin, end);
}

bool has_avx2() {
#ifdef POSTTRAIN_X86
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    static const bool yes = false;  // the generic paths (the compiler vectorises them for the target)
#endif
    return yes;
}
}  // namespace

// One decoding step of attention, float32 on the CPU: writes this step's keys and values into the cache, then attends
// one query position per sequence over everything cached, without materialising the scores of every (sequence, head)
// pair through a batched matrix product (libtorch 1.13 runs bmm on the CPU as a loop of small GEMMs, each with its
// own dispatch and operand packing). Grouped-query heads read their key/value head in place.
//   q            [A, H, 1, D]     the active rows' queries (D contiguous)
//   knew, vnew   [A, Hkv, 1, D]   their new keys and values (D contiguous)
//   kcache, vcache [B, Hkv, capacity, D] (D contiguous), H a multiple of Hkv; written at `position`, read at 0..position
//   rows         int64 [A]        the cache row of each active row (null: row a is cache row a, A = B)
//   mask         [B or 1, 1, 1, >= position + 1] bool indexed by cache row, true = attend (null: every key)
//   kprefix, vprefix [U, Hkv, P, D] and prefix_rows int64 [B] (or all null): positions below P are read from prefix row
//                prefix_rows[cache row] instead of the cache (generation keeps one copy of each distinct prompt)
//   out          [A, 1, H, D]     contiguous, i.e. already in the [A, 1, H·D] layout of the output projection's input
PT_API int pt_attention_decode(pt_tensor q, pt_tensor knew, pt_tensor vnew, pt_tensor kcache, pt_tensor vcache, pt_tensor rows,
                               int64_t position, pt_tensor mask, pt_tensor kprefix, pt_tensor vprefix, pt_tensor prefix_rows,
                               double scale, pt_tensor* out) {
    PT_GUARD({
        auto& qt = T(q);
        auto& kn = T(knew);
        auto& vn = T(vnew);
        auto& kt = T(kcache);
        auto& vt = T(vcache);
        for (const at::Tensor* t : {&qt, &kn, &vn, &kt, &vt}) {
            TORCH_CHECK(t->dim() == 4 && t->device().is_cpu() && t->scalar_type() == at::kFloat && t->stride(3) == 1,
                        "decode attention takes 4-d float32 CPU tensors with a contiguous head dimension");
        }
        const int64_t A = qt.size(0), H = qt.size(1), D = qt.size(3);
        const int64_t B = kt.size(0), Hkv = kt.size(1), L = position + 1;
        TORCH_CHECK(qt.size(2) == 1 && kn.size(2) == 1 && vn.size(2) == 1, "decode attention takes one position per row");
        TORCH_CHECK(kn.size(0) == A && vn.size(0) == A && kn.size(1) == Hkv && vn.size(1) == Hkv && kn.size(3) == D && vn.size(3) == D,
                    "new keys and values must be [", A, ", ", Hkv, ", 1, ", D, "]");
        TORCH_CHECK(vt.sizes() == kt.sizes() && kt.size(3) == D, "the key and value caches must be [B, ", Hkv, ", capacity, ", D, "]");
        TORCH_CHECK(Hkv > 0 && H % Hkv == 0, "query heads ", H, " are not a multiple of key/value heads ", Hkv);
        TORCH_CHECK(H / Hkv <= 64, "decode attention supports at most 64 query heads per key/value head");
        TORCH_CHECK(position >= 0 && position < kt.size(2), "position ", position, " is outside the cache's ", kt.size(2));
        DecodeArgs a{};
        at::Tensor rt;
        if (rows != nullptr) {
            rt = T(rows).contiguous();
            TORCH_CHECK(rt.scalar_type() == at::kLong && rt.dim() == 1 && rt.size(0) == A && rt.device().is_cpu(), "rows must be int64 [", A, "]");
            a.rows = rt.data_ptr<int64_t>();
            for (int64_t i = 0; i < A; ++i) TORCH_CHECK(a.rows[i] >= 0 && a.rows[i] < B, "row ", a.rows[i], " is outside the cache's ", B);
        } else {
            TORCH_CHECK(A == B, "without rows, the batch ", A, " must be the cache's ", B);
        }
        at::Tensor prt;
        if (kprefix != nullptr) {
            auto& pk = T(kprefix);
            auto& pv = T(vprefix);
            prt = T(prefix_rows).contiguous();
            TORCH_CHECK(pk.dim() == 4 && pk.device().is_cpu() && pk.scalar_type() == at::kFloat && pk.stride(3) == 1 && pv.sizes() == pk.sizes() &&
                            pv.device().is_cpu() && pv.scalar_type() == at::kFloat && pv.stride(3) == 1 && pk.size(1) == Hkv && pk.size(3) == D,
                        "the prefix keys and values must be float32 CPU [U, ", Hkv, ", P, ", D, "]");
            TORCH_CHECK(prt.scalar_type() == at::kLong && prt.dim() == 1 && prt.size(0) == B && prt.device().is_cpu(), "prefix rows must be int64 [", B, "]");
            TORCH_CHECK(pk.size(2) <= position, "the prefix (", pk.size(2), " positions) must end before the position ", position);
            a.prows = prt.data_ptr<int64_t>();
            for (int64_t i = 0; i < B; ++i) TORCH_CHECK(a.prows[i] >= 0 && a.prows[i] < pk.size(0), "prefix row ", a.prows[i], " is outside the prefix's ", pk.size(0));
            a.pk = pk.data_ptr<float>();
            a.pv = pv.data_ptr<float>();
            a.P = pk.size(2);
            a.pks0 = pk.stride(0);
            a.pks1 = pk.stride(1);
            a.pks2 = pk.stride(2);
            a.pvs0 = pv.stride(0);
            a.pvs1 = pv.stride(1);
            a.pvs2 = pv.stride(2);
        }
        at::Tensor mt;
        if (mask != nullptr) {
            mt = T(mask);
            TORCH_CHECK(mt.scalar_type() == at::kBool && mt.dim() == 4 && (mt.size(0) == B || mt.size(0) == 1) &&
                            mt.size(3) >= L && mt.size(1) == 1 && mt.size(2) == 1,
                        "mask must be bool [", B, " or 1, 1, 1, >= ", L, "]");
            a.mask = mt.data_ptr<bool>();
            a.ms0 = mt.size(0) == 1 ? 0 : mt.stride(0);
            a.ms3 = mt.stride(3);
        }

        auto result = at::empty({A, 1, H, D}, qt.options());
        a.q = qt.data_ptr<float>();
        a.k = kt.data_ptr<float>();
        a.v = vt.data_ptr<float>();
        a.knew = kn.data_ptr<float>();
        a.vnew = vn.data_ptr<float>();
        a.out = result.data_ptr<float>();
        a.H = H;
        a.Hkv = Hkv;
        a.L = L;
        a.D = D;
        a.qs0 = qt.stride(0);
        a.qs1 = qt.stride(1);
        a.ks0 = kt.stride(0);
        a.ks1 = kt.stride(1);
        a.ks2 = kt.stride(2);
        a.vs0 = vt.stride(0);
        a.vs1 = vt.stride(1);
        a.vs2 = vt.stride(2);
        a.ns0 = kn.stride(0);
        a.ns1 = kn.stride(1);
        a.ws0 = vn.stride(0);
        a.ws1 = vn.stride(1);
        a.scale = static_cast<float>(scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(D)));
        const bool avx2 = has_avx2();
        at::parallel_for(0, A * Hkv, 8, [&](int64_t begin, int64_t end) {
            std::vector<float> scratch(static_cast<size_t>((H / Hkv) * (L + D)));
            float* scores = scratch.data();
            float* acc = scores + (H / Hkv) * L;
            if (avx2) {
                decode_avx2(a, begin, end, scores, acc);
            } else {
                decode_generic(a, begin, end, scores, acc);
            }
        });
        *out = new_handle(std::move(result));
    })
}

namespace posttrain {
// RMS norm of float32 rows on the CPU in one pass per row, for tensors no gradient flows through (generation, scoring):
// the composite (pow, mean, add, rsqrt, mul, mul) is six dispatches and five temporaries. False when it does not apply.
bool rms_norm_inference(const at::Tensor& x, const c10::optional<at::Tensor>& weight, double eps, at::Tensor& out) {
    if (!x.device().is_cpu() || x.scalar_type() != at::kFloat || !x.is_contiguous() || x.dim() == 0 || x.numel() == 0) return false;
    const int64_t n = x.size(-1);
    if (weight.has_value() && (!weight->device().is_cpu() || weight->scalar_type() != at::kFloat || !weight->is_contiguous() ||
                               weight->dim() != 1 || weight->size(0) != n)) {
        return false;
    }
    if (at::GradMode::is_enabled() && (x.requires_grad() || (weight.has_value() && weight->requires_grad()))) return false;
    out = at::empty_like(x);
    const float* xp = x.data_ptr<float>();
    const float* wp = weight.has_value() ? weight->data_ptr<float>() : nullptr;
    float* yp = out.data_ptr<float>();
    const int64_t rows = x.numel() / n;
    const bool avx2 = has_avx2();
    at::parallel_for(0, rows, std::max<int64_t>(1, 16384 / n), [&](int64_t begin, int64_t end) {
        if (avx2) {
            rms_avx2(xp, wp, yp, n, eps, begin, end);
        } else {
            rms_generic(xp, wp, yp, n, eps, begin, end);
        }
    });
    return true;
}
}  // namespace posttrain

// Rotary embedding in the half-split convention, float32 on the CPU, without autograd: out = x·cos + rotate_half(x)·sin
// with rotate_half(x) = (−x₂, x₁). x [B, H, T, D] (any strides, D contiguous), cos and sin [B, 1, T, D] (D contiguous);
// out [B, H, T, D] contiguous.
PT_API int pt_rotary(pt_tensor x, pt_tensor cos, pt_tensor sin, pt_tensor* out) {
    PT_GUARD({
        auto& xt = T(x);
        auto& ct = T(cos);
        auto& st = T(sin);
        TORCH_CHECK(xt.dim() == 4 && ct.dim() == 4 && st.dim() == 4, "rotary takes 4-d tensors");
        TORCH_CHECK(xt.device().is_cpu() && xt.scalar_type() == at::kFloat && ct.scalar_type() == at::kFloat &&
                        st.scalar_type() == at::kFloat && ct.device().is_cpu() && st.device().is_cpu(),
                    "rotary runs on float32 CPU tensors");
        const int64_t B = xt.size(0), H = xt.size(1), Tn = xt.size(2), D = xt.size(3);
        TORCH_CHECK(D % 2 == 0, "the head width must be even");
        TORCH_CHECK(ct.size(0) == B && ct.size(1) == 1 && ct.size(2) == Tn && ct.size(3) == D && st.sizes() == ct.sizes(),
                    "cos and sin must be [", B, ", 1, ", Tn, ", ", D, "]");
        TORCH_CHECK(xt.stride(3) == 1 && ct.stride(3) == 1 && st.stride(3) == 1, "the head dimension must be contiguous");
        TORCH_CHECK(!(at::GradMode::is_enabled() && xt.requires_grad()), "rotary has no backward");
        auto result = at::empty({B, H, Tn, D}, xt.options());
        const float* xp = xt.data_ptr<float>();
        const float* cp = ct.data_ptr<float>();
        const float* sp = st.data_ptr<float>();
        float* op = result.data_ptr<float>();
        const int64_t xs0 = xt.stride(0), xs1 = xt.stride(1), xs2 = xt.stride(2);
        const int64_t cs0 = ct.stride(0), cs2 = ct.stride(2), ss0 = st.stride(0), ss2 = st.stride(2);
        const int64_t half = D / 2;
        at::parallel_for(0, B * H * Tn, std::max<int64_t>(1, 8192 / D), [&](int64_t begin, int64_t end) {
            for (int64_t r = begin; r < end; ++r) {
                const int64_t b = r / (H * Tn), h = (r / Tn) % H, t = r % Tn;
                const float* xr = xp + b * xs0 + h * xs1 + t * xs2;
                const float* c = cp + b * cs0 + t * cs2;
                const float* sn = sp + b * ss0 + t * ss2;
                float* o = op + r * D;
                for (int64_t i = 0; i < half; ++i) o[i] = xr[i] * c[i] + (-xr[i + half]) * sn[i];
                for (int64_t i = half; i < D; ++i) o[i] = xr[i] * c[i] + xr[i - half] * sn[i];
            }
        });
        *out = new_handle(std::move(result));
    })
}
