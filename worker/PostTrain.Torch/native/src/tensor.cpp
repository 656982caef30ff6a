// Tensor lifetime, facts, creation, conversion, views and indexing.
#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "common.h"

using namespace posttrain;

namespace {
thread_local std::string string_result;

}  // namespace

PT_API int pt_tensor_free(pt_tensor t) {
    PT_GUARD({
        if (t != nullptr) {
            delete static_cast<at::Tensor*>(t);
            live_tensor_count().fetch_sub(1, std::memory_order_relaxed);
        }
    })
}

PT_API int pt_tensor_dim(pt_tensor t, int* out) { PT_GUARD(*out = static_cast<int>(T(t).dim())) }

PT_API int pt_tensor_sizes(pt_tensor t, int64_t* out, int capacity) {
    PT_GUARD({
        auto s = T(t).sizes();
        TORCH_CHECK(static_cast<int>(s.size()) <= capacity, "shape buffer too small");
        std::copy(s.begin(), s.end(), out);
    })
}

PT_API int pt_tensor_strides(pt_tensor t, int64_t* out, int capacity) {
    PT_GUARD({
        auto s = T(t).strides();
        TORCH_CHECK(static_cast<int>(s.size()) <= capacity, "stride buffer too small");
        std::copy(s.begin(), s.end(), out);
    })
}

PT_API int pt_tensor_numel(pt_tensor t, int64_t* out) { PT_GUARD(*out = T(t).numel()) }

PT_API int pt_tensor_dtype(pt_tensor t, int* out) { PT_GUARD(*out = static_cast<int>(T(t).scalar_type())) }

PT_API int pt_tensor_device(pt_tensor t, int* type, int* index) {
    PT_GUARD({
        auto d = T(t).device();
        TORCH_CHECK(d.is_cpu() || d.is_cuda(), "unsupported device ", d);
        *type = d.is_cuda() ? 1 : 0;
        *index = d.has_index() ? d.index() : (d.is_cuda() ? 0 : -1);
    })
}

PT_API int pt_tensor_item(pt_tensor t, double* out) { PT_GUARD(*out = T(t).item<double>()) }

PT_API int pt_tensor_item_long(pt_tensor t, int64_t* out) { PT_GUARD(*out = T(t).item<int64_t>()) }

PT_API int pt_tensor_copy_to_host(pt_tensor t, void* dst, int64_t bytes) {
    PT_GUARD({
        auto src = T(t).detach().to(at::kCPU).contiguous();
        int64_t need = src.numel() * static_cast<int64_t>(src.element_size());
        TORCH_CHECK(need == bytes, "destination holds ", bytes, " bytes but the tensor has ", need, " (",
                    src.numel(), " elements of ", src.scalar_type(), ")");
        if (need > 0) std::memcpy(dst, src.data_ptr(), static_cast<size_t>(need));
    })
}

PT_API int pt_tensor_to_string(pt_tensor t, const char** out) {
    PT_GUARD({
        std::ostringstream s;
        s << T(t);
        string_result = s.str();
        *out = string_result.c_str();
    })
}

PT_API int pt_tensor_alias(pt_tensor t, pt_tensor* out) { PT_GUARD(*out = new_handle(T(t))) }

PT_API int pt_from_data(const void* data, int64_t bytes, int dtype, const int64_t* shape, int ndim, int dev_type,
                        int dev_index, pt_tensor* out) {
    PT_GUARD({
        auto st = to_dtype(dtype);
        auto sizes = dims(shape, ndim);
        int64_t numel = c10::multiply_integers(sizes);
        int64_t need = numel * static_cast<int64_t>(c10::elementSize(st));
        TORCH_CHECK(need == bytes, "shape ", sizes, " of ", st, " needs ", need, " bytes but ", bytes, " were given");
        auto t = at::empty(sizes, at::TensorOptions().dtype(st));
        if (need > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(need));
        auto dev = to_device(dev_type, dev_index);
        if (!dev.is_cpu()) t = t.to(dev);
        *out = new_handle(std::move(t));
    })
}

PT_API int pt_fill_new(int kind, const int64_t* shape, int ndim, int dtype, int dev_type, int dev_index, double value,
                       int integral, pt_tensor* out) {
    PT_GUARD({
        auto opts = options(dtype, dev_type, dev_index);
        auto sizes = dims(shape, ndim);
        at::Tensor t;
        switch (kind) {
            case 0: t = at::empty(sizes, opts); break;
            case 1: t = at::zeros(sizes, opts); break;
            case 2: t = at::ones(sizes, opts); break;
            case 3: t = at::full(sizes, scalar(value, integral), opts); break;
            default: TORCH_CHECK(false, "unknown fill kind ", kind);
        }
        *out = new_handle(std::move(t));
    })
}

PT_API int pt_like(int kind, pt_tensor a, double value, int integral, pt_tensor* out) {
    PT_GUARD({
        auto& x = T(a);
        at::Tensor t;
        switch (kind) {
            case 0: t = at::empty_like(x); break;
            case 1: t = at::zeros_like(x); break;
            case 2: t = at::ones_like(x); break;
            case 3: t = at::full_like(x, scalar(value, integral)); break;
            default: TORCH_CHECK(false, "unknown fill kind ", kind);
        }
        *out = new_handle(std::move(t));
    })
}

PT_API int pt_arange(double start, double end, double step, int dtype, int dev_type, int dev_index, pt_tensor* out) {
    PT_GUARD({
        auto opts = options(dtype, dev_type, dev_index);
        if (at::isIntegralType(opts.dtype().toScalarType(), false)) {
            *out = new_handle(at::arange(static_cast<int64_t>(start), static_cast<int64_t>(end),
                                         static_cast<int64_t>(step), opts));
        } else {
            *out = new_handle(at::arange(start, end, step, opts));
        }
    })
}

PT_API int pt_random(int kind, const int64_t* shape, int ndim, int dtype, int dev_type, int dev_index, pt_generator g,
                     double low, double high, pt_tensor* out) {
    PT_GUARD({
        auto sizes = dims(shape, ndim);
        auto dev = to_device(dev_type, dev_index);
        auto gen = gen_of(g);
        // A seeded generator draws on its own device (a CPU one on the CPU: the result then moves, so a CPU seed gives
        // the same numbers on every device).
        auto draw_opts = at::TensorOptions().dtype(to_dtype(dtype)).device(gen.has_value() ? gen->device() : dev);
        at::Tensor t;
        switch (kind) {
            case 0: t = at::randn(sizes, gen, draw_opts); break;
            case 1: t = at::rand(sizes, gen, draw_opts); break;
            case 2: t = at::randint(static_cast<int64_t>(low), static_cast<int64_t>(high), sizes, gen, draw_opts); break;
            default: TORCH_CHECK(false, "unknown random kind ", kind);
        }
        if (t.device() != dev) t = t.to(dev);
        *out = new_handle(std::move(t));
    })
}

PT_API int pt_to(pt_tensor a, int dtype, int dev_type, int dev_index, int copy, pt_tensor* out) {
    PT_GUARD({
        auto& x = T(a);
        auto st = dtype < 0 ? x.scalar_type() : to_dtype(dtype);
        auto dev = dev_type < 0 ? x.device() : to_device(dev_type, dev_index);
        *out = new_handle(x.to(dev, st, /*non_blocking=*/false, copy != 0));
    })
}

// ---- views and indexing ----

PT_API int pt_shape_op(int op, pt_tensor a, const int64_t* shape, int ndim, pt_tensor* out) {
    PT_GUARD({
        auto& x = T(a);
        auto s = dims(shape, ndim);
        switch (op) {
            case 0: *out = new_handle(x.view(s)); break;
            case 1: *out = new_handle(x.reshape(s)); break;
            case 2: *out = new_handle(x.permute(s)); break;
            case 3: *out = new_handle(x.expand(s)); break;
            case 4: *out = new_handle(x.repeat(s)); break;
            default: TORCH_CHECK(false, "unknown shape op ", op);
        }
    })
}

PT_API int pt_transpose(pt_tensor a, int64_t d0, int64_t d1, pt_tensor* out) { PT_GUARD(*out = new_handle(T(a).transpose(d0, d1))) }

PT_API int pt_narrow(pt_tensor a, int64_t dim, int64_t start, int64_t length, pt_tensor* out) {
    PT_GUARD(*out = new_handle(T(a).narrow(dim, start, length)))
}

PT_API int pt_select(pt_tensor a, int64_t dim, int64_t index, pt_tensor* out) { PT_GUARD(*out = new_handle(T(a).select(dim, index))) }

PT_API int pt_slice(pt_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step, pt_tensor* out) {
    PT_GUARD(*out = new_handle(T(a).slice(dim, start, end, step)))
}

PT_API int pt_unsqueeze(pt_tensor a, int64_t dim, pt_tensor* out) { PT_GUARD(*out = new_handle(T(a).unsqueeze(dim))) }

PT_API int pt_squeeze(pt_tensor a, int has_dim, int64_t dim, pt_tensor* out) {
    PT_GUARD(*out = new_handle(has_dim ? T(a).squeeze(dim) : T(a).squeeze()))
}

PT_API int pt_flatten(pt_tensor a, int64_t start, int64_t end, pt_tensor* out) { PT_GUARD(*out = new_handle(T(a).flatten(start, end))) }

PT_API int pt_cat(const pt_tensor* ts, int n, int64_t dim, int stack, pt_tensor* out) {
    PT_GUARD({
        auto list = tensor_list(ts, n);
        *out = new_handle(stack ? at::stack(list, dim) : at::cat(list, dim));
    })
}

PT_API int pt_split(pt_tensor a, int64_t size_or_chunks, int64_t dim, int chunk, pt_tensor* outs, int capacity, int* count) {
    PT_GUARD({
        auto parts = chunk ? T(a).chunk(size_or_chunks, dim) : T(a).split(size_or_chunks, dim);
        write_list(parts, outs, capacity, count);
    })
}

PT_API int pt_nonzero_1d(pt_tensor a, pt_tensor* out) {
    PT_GUARD({
        TORCH_CHECK(T(a).dim() == 1, "nonzero_1d takes a 1-d tensor");
        *out = new_handle(at::nonzero(T(a)).squeeze(1));
    })
}

PT_API int pt_index_select(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor* out) {
    PT_GUARD(*out = new_handle(T(a).index_select(dim, T(index))))
}

PT_API int pt_gather(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor* out) { PT_GUARD(*out = new_handle(T(a).gather(dim, T(index)))) }

PT_API int pt_scatter_add(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor src, pt_tensor* out) {
    PT_GUARD(*out = new_handle(T(a).scatter_add(dim, T(index), T(src))))
}

PT_API int pt_tri(int upper, pt_tensor a, int64_t diagonal, pt_tensor* out) {
    PT_GUARD(*out = new_handle(upper ? T(a).triu(diagonal) : T(a).tril(diagonal)))
}
