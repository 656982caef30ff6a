// Kernels for token-by-token decoding on the CPU, where one query row per sequence meets a KV cache.
#include <ATen/Parallel.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common.h"

using namespace posttrain;

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct DecodeArgs {
    const float* q;
    const float* k;
    const float* v;
    const bool* mask;
    float* out;
    int64_t H, Hkv, L, D;
    int64_t qs0, qs1, ks0, ks1, ks2, vs0, vs1, vs2, ms0, ms3;
    float scale;
};

// One (sequence, key/value head): the group of query heads that share it, reading each cached key and value row once.
// D is the head width when known at compile time (0: the runtime a.D), so the accumulators stay in registers. Each
// sum runs in a fixed order, so the result depends only on the operands (and on the instruction set the CPU offers).
template <int64_t CD>
inline __attribute__((always_inline)) void decode_head(const DecodeArgs& a, int64_t b, int64_t kvh, float* scores, float* acc) {
    const int64_t D = CD > 0 ? CD : a.D;
    const int64_t group = a.H / a.Hkv;
    const float* kb = a.k + b * a.ks0 + kvh * a.ks1;
    const float* vb = a.v + b * a.vs0 + kvh * a.vs1;
    for (int64_t g = 0; g < group; ++g) {
        const int64_t h = kvh * group + g;
        const float* qrow = a.q + b * a.qs0 + h * a.qs1;
        float* sc = scores + g * a.L;
        float best = kNegInf;
        for (int64_t j = 0; j < a.L; ++j) {
            if (a.mask != nullptr && !a.mask[b * a.ms0 + j * a.ms3]) {
                sc[j] = kNegInf;
                continue;
            }
            const float* krow = kb + j * a.ks2;
            float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int64_t i = 0;
            for (; i + 8 <= D; i += 8) {
                for (int l = 0; l < 8; ++l) lanes[l] += qrow[i + l] * krow[i + l];
            }
            for (; i < D; ++i) lanes[i & 7] += qrow[i] * krow[i];
            const float s = (((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))) * a.scale;
            sc[j] = s;
            if (s > best) best = s;
        }
        float local[CD > 0 ? CD : 1];  // in registers when the width is known
        float* o = CD > 0 ? local : acc;
        for (int64_t d = 0; d < D; ++d) o[d] = 0;
        float* orow = a.out + (b * a.H + h) * D;
        if (best == kNegInf) {  // every key masked: undefined, as libtorch's softmax makes it (NaN)
            for (int64_t d = 0; d < D; ++d) orow[d] = std::numeric_limits<float>::quiet_NaN();
            continue;
        }
        float total = 0;
        for (int64_t j = 0; j < a.L; ++j) {
            if (sc[j] == kNegInf) continue;
            const float p = std::exp(sc[j] - best);
            total += p;
            const float* vrow = vb + j * a.vs2;
            for (int64_t d = 0; d < D; ++d) o[d] += p * vrow[d];
        }
        const float inv = 1.0f / total;
        for (int64_t d = 0; d < D; ++d) orow[d] = o[d] * inv;
    }
}

template <int64_t CD>
inline __attribute__((always_inline)) void decode_rows(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) {
    for (int64_t r = begin; r < end; ++r) decode_head<CD>(a, r / a.Hkv, r % a.Hkv, scores, acc);
}

inline __attribute__((always_inline)) void decode_any(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) {
    switch (a.D) {
        case 32: decode_rows<32>(a, begin, end, scores, acc); break;
        case 64: decode_rows<64>(a, begin, end, scores, acc); break;
        case 128: decode_rows<128>(a, begin, end, scores, acc); break;
        default: decode_rows<0>(a, begin, end, scores, acc); break;
    }
}

__attribute__((target("avx2,fma"))) void decode_avx2(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) {
    decode_any(a, begin, end, scores, acc);
}

void decode_generic(const DecodeArgs& a, int64_t begin, int64_t end, float* scores, float* acc) { decode_any(a, begin, end, scores, acc); }

bool has_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}
}  // namespace

// Attention of one query position per sequence over cached keys and values, float32 on the CPU, without
// materialising the scores of every (sequence, head) pair through a batched matrix product (libtorch 1.13 runs
// bmm on the CPU as a loop of small GEMMs, each with its own dispatch and operand packing).
//   q    [B, H, 1, D]   (D contiguous)
//   k, v [B, Hkv, L, D] (D contiguous; any other strides, e.g. a narrow of a preallocated cache), H a multiple of Hkv
//   mask [B or 1, 1, 1, L] bool, true = attend (null: attend to every key)
//   out  [B, 1, H, D]   contiguous, i.e. already in the [B, 1, H·D] layout of the output projection's input
PT_API int pt_attention_decode(pt_tensor q, pt_tensor k, pt_tensor v, pt_tensor mask, double scale, pt_tensor* out) {
    PT_GUARD({
        auto& qt = T(q);
        auto& kt = T(k);
        auto& vt = T(v);
        TORCH_CHECK(qt.dim() == 4 && kt.dim() == 4 && vt.dim() == 4, "query, keys and values must be 4-d");
        TORCH_CHECK(qt.device().is_cpu() && kt.device().is_cpu() && vt.device().is_cpu(), "decode attention runs on the CPU");
        TORCH_CHECK(qt.scalar_type() == at::kFloat && kt.scalar_type() == at::kFloat && vt.scalar_type() == at::kFloat,
                    "decode attention takes float32");
        const int64_t B = qt.size(0), H = qt.size(1), D = qt.size(3);
        const int64_t Hkv = kt.size(1), L = kt.size(2);
        TORCH_CHECK(qt.size(2) == 1, "decode attention takes one query position, got ", qt.size(2));
        TORCH_CHECK(kt.size(0) == B && vt.size(0) == B && vt.size(1) == Hkv && vt.size(2) == L && kt.size(3) == D &&
                        vt.size(3) == D,
                    "keys and values must be [", B, ", Hkv, L, ", D, "]");
        TORCH_CHECK(Hkv > 0 && H % Hkv == 0, "query heads ", H, " are not a multiple of key/value heads ", Hkv);
        TORCH_CHECK(L > 0, "no keys to attend to");
        TORCH_CHECK(qt.stride(3) == 1 && kt.stride(3) == 1 && vt.stride(3) == 1, "the head dimension must be contiguous");
        DecodeArgs a{};
        at::Tensor mt;
        if (mask != nullptr) {
            mt = T(mask);
            TORCH_CHECK(mt.scalar_type() == at::kBool && mt.dim() == 4 && (mt.size(0) == B || mt.size(0) == 1) &&
                            mt.size(3) == L && mt.size(1) == 1 && mt.size(2) == 1,
                        "mask must be bool [", B, " or 1, 1, 1, ", L, "]");
            a.mask = mt.data_ptr<bool>();
            a.ms0 = mt.size(0) == 1 ? 0 : mt.stride(0);
            a.ms3 = mt.stride(3);
        }

        auto result = at::empty({B, 1, H, D}, qt.options());
        a.q = qt.data_ptr<float>();
        a.k = kt.data_ptr<float>();
        a.v = vt.data_ptr<float>();
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
        a.scale = static_cast<float>(scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(D)));
        const bool avx2 = has_avx2();
        at::parallel_for(0, B * Hkv, 8, [&](int64_t begin, int64_t end) {
            std::vector<float> scratch(static_cast<size_t>((H / Hkv) * L + D));
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
