// Library and device information, threads, seeds and generators.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "common.h"

#ifdef POSTTRAIN_HAS_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace posttrain {
std::atomic<int64_t>& live_tensor_count() {
    static std::atomic<int64_t> count{0};
    return count;
}
}  // namespace posttrain

using namespace posttrain;

PT_API int pt_torch_version(const char** out) { PT_GUARD(*out = TORCH_VERSION) }

PT_API int pt_cuda_is_available(int* out) { PT_GUARD(*out = torch::cuda::is_available() ? 1 : 0) }

PT_API int pt_cuda_device_count(int* out) { PT_GUARD(*out = static_cast<int>(torch::cuda::device_count())) }

PT_API int pt_cuda_synchronize(int device) { PT_GUARD(torch::cuda::synchronize(device)) }

PT_API int pt_cuda_memory_stats(int device, int64_t* allocated, int64_t* reserved, int64_t* peak_allocated) {
    PT_GUARD({
#ifdef POSTTRAIN_HAS_CUDA
        TORCH_CHECK(torch::cuda::is_available(), "CUDA is not available");
        auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
        // Index 0 is StatType::AGGREGATE in every libtorch version.
        *allocated = stats.allocated_bytes[0].current;
        *reserved = stats.reserved_bytes[0].current;
        *peak_allocated = stats.allocated_bytes[0].peak;
#else
        (void)device;
        (void)allocated;
        (void)reserved;
        (void)peak_allocated;
        TORCH_CHECK(false, "this shim was built against a libtorch without CUDA; memory statistics need CUDA");
#endif
    })
}

PT_API int pt_cuda_set_device(int device) {
    PT_GUARD({
#ifdef POSTTRAIN_HAS_CUDA
        TORCH_CHECK(torch::cuda::is_available(), "CUDA is not available");
        c10::cuda::set_device(static_cast<c10::DeviceIndex>(device));
#else
        (void)device;
        TORCH_CHECK(false, "this shim was built against a libtorch without CUDA");
#endif
    })
}

PT_API int pt_cuda_reset_peak_memory(int device) {
    PT_GUARD({
#ifdef POSTTRAIN_HAS_CUDA
        TORCH_CHECK(torch::cuda::is_available(), "CUDA is not available");
        c10::cuda::CUDACachingAllocator::resetPeakStats(device);
#else
        (void)device;
        TORCH_CHECK(false, "this shim was built against a libtorch without CUDA; memory statistics need CUDA");
#endif
    })
}

PT_API int pt_cuda_empty_cache() {
    PT_GUARD({
#ifdef POSTTRAIN_HAS_CUDA
        c10::cuda::CUDACachingAllocator::emptyCache();
#endif
    })
}

PT_API int pt_capabilities(int* out) {
    PT_GUARD({
        int caps = 0;
#ifdef POSTTRAIN_HAS_SDPA
        caps |= 1;
#endif
#ifdef POSTTRAIN_HAS_CUDA
        caps |= 2;
#endif
#ifdef POSTTRAIN_HAS_GLOO
        caps |= 4;
#endif
#ifdef POSTTRAIN_HAS_NCCL
        caps |= 8;
#endif
        *out = caps;
    })
}

PT_API int pt_set_num_threads(int n) { PT_GUARD(at::set_num_threads(n)) }

PT_API int pt_get_num_threads(int* out) { PT_GUARD(*out = at::get_num_threads()) }

PT_API int pt_manual_seed(uint64_t seed) {
    PT_GUARD({
        auto gen = at::detail::getDefaultCPUGenerator();
        {
            std::lock_guard<std::mutex> lock(gen.mutex());
            gen.set_current_seed(seed);
        }
        if (torch::cuda::is_available()) {
            for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i) {
                auto cuda_gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
                std::lock_guard<std::mutex> lock(cuda_gen.mutex());
                cuda_gen.set_current_seed(seed);
            }
        }
    })
}

PT_API int pt_generator_new(uint64_t seed, pt_generator* out) {
    PT_GUARD(*out = new at::Generator(at::make_generator<at::CPUGeneratorImpl>(seed)))
}

PT_API int pt_generator_new_on(uint64_t seed, int dev_type, int dev_index, pt_generator* out) {
    PT_GUARD({
        auto dev = to_device(dev_type, dev_index);
        if (dev.is_cpu()) {
            *out = new at::Generator(at::make_generator<at::CPUGeneratorImpl>(seed));
        } else {
#ifdef POSTTRAIN_HAS_CUDA
            auto g = at::cuda::detail::createCUDAGenerator(dev.index());
            {
                std::lock_guard<std::mutex> lock(g.mutex());
                g.set_current_seed(seed);
            }
            *out = new at::Generator(std::move(g));
#else
            (void)seed;
            TORCH_CHECK(false, "this shim was built against a libtorch without CUDA; a generator on ", dev, " needs CUDA");
#endif
        }
    })
}

PT_API int pt_generator_free(pt_generator g) { PT_GUARD(delete static_cast<at::Generator*>(g)) }

PT_API int pt_live_tensors(int64_t* out) { PT_GUARD(*out = live_tensor_count().load()) }
