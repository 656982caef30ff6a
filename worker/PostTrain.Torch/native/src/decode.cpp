// Kernels for token-by-token decoding on the CPU, where one query row per sequence meets a KV cache.
#include <ATen/Parallel.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common.h"

using namespace posttrain;

namespace {
// q · k over d floats, summed in 8 lanes (the compiler turns the fixed-width inner loop into vector instructions) and
// the lanes then added in a fixed order, so the result depends only on the operands.
inline float dot(const float* q, const float* k, int64_t d) {
    float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) {
        for (int l = 0; l < 8; ++l) lanes[l] += q[i + l] * k[i + l];
    }
    for (; i < d; ++i) lanes[i & 7] += q[i] * k[i];
    return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]));
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
        const bool* m = nullptr;
        int64_t ms0 = 0, ms3 = 0;
        at::Tensor mt;
        if (mask != nullptr) {
            mt = T(mask);
            TORCH_CHECK(mt.scalar_type() == at::kBool && mt.dim() == 4 && (mt.size(0) == B || mt.size(0) == 1) &&
                            mt.size(3) == L && mt.size(1) == 1 && mt.size(2) == 1,
                        "mask must be bool [", B, " or 1, 1, 1, ", L, "]");
            m = mt.data_ptr<bool>();
            ms0 = mt.size(0) == 1 ? 0 : mt.stride(0);
            ms3 = mt.stride(3);
        }

        auto result = at::empty({B, 1, H, D}, qt.options());
        const float* qp = qt.data_ptr<float>();
        const float* kp = kt.data_ptr<float>();
        const float* vp = vt.data_ptr<float>();
        float* op = result.data_ptr<float>();
        const int64_t qs0 = qt.stride(0), qs1 = qt.stride(1);
        const int64_t ks0 = kt.stride(0), ks1 = kt.stride(1), ks2 = kt.stride(2);
        const int64_t vs0 = vt.stride(0), vs1 = vt.stride(1), vs2 = vt.stride(2);
        const int64_t group = H / Hkv;
        const float s = static_cast<float>(scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(D)));
        at::parallel_for(0, B * H, 16, [&](int64_t begin, int64_t end) {
            std::vector<float> scores(static_cast<size_t>(L));
            for (int64_t bh = begin; bh < end; ++bh) {
                const int64_t b = bh / H, h = bh % H, kvh = h / group;
                const float* qrow = qp + b * qs0 + h * qs1;
                const float* kb = kp + b * ks0 + kvh * ks1;
                const float* vb = vp + b * vs0 + kvh * vs1;
                float best = -std::numeric_limits<float>::infinity();
                for (int64_t j = 0; j < L; ++j) {
                    if (m != nullptr && !m[b * ms0 + j * ms3]) {
                        scores[j] = -std::numeric_limits<float>::infinity();
                        continue;
                    }
                    scores[j] = dot(qrow, kb + j * ks2, D) * s;
                    if (scores[j] > best) best = scores[j];
                }
                float* orow = op + (b * H + h) * D;
                for (int64_t d = 0; d < D; ++d) orow[d] = 0;
                if (best == -std::numeric_limits<float>::infinity()) {
                    // Every key masked: the softmax is undefined (NaN in libtorch); keep that visible.
                    for (int64_t d = 0; d < D; ++d) orow[d] = std::numeric_limits<float>::quiet_NaN();
                    continue;
                }
                float total = 0;
                for (int64_t j = 0; j < L; ++j) {
                    if (scores[j] == -std::numeric_limits<float>::infinity()) continue;
                    const float p = std::exp(scores[j] - best);
                    total += p;
                    const float* vrow = vb + j * vs2;
                    for (int64_t d = 0; d < D; ++d) orow[d] += p * vrow[d];
                }
                const float inv = 1.0f / total;
                for (int64_t d = 0; d < D; ++d) orow[d] *= inv;
            }
        });
        *out = new_handle(std::move(result));
    })
}
