// Activation checkpointing (torch.utils.checkpoint, reentrant form): a segment of the forward pass whose
// activations are not kept. Forward runs the segment without recording a graph and saves only its input; backward
// recomputes the segment with gradients (same autocast state, same random numbers) and back-propagates through it.
// The segment is managed code, called back through a function pointer.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/autocast_mode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/custom_class.h>
#include <torch/version.h>

#include <string>

#include "common.h"

#ifdef POSTTRAIN_HAS_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

using namespace posttrain;

namespace {
thread_local std::string segment_error;

// The managed segment: run(state, input, &output) returns 0 and an owned output handle, or non-zero after
// pt_checkpoint_segment_failed(message). free(state) runs when the autograd graph that holds it goes away.
struct Segment : torch::CustomClassHolder {
    pt_segment_fn run = nullptr;
    pt_segment_free_fn free = nullptr;
    void* state = nullptr;
    ~Segment() override {
        if (free != nullptr) free(state);
    }

    at::Tensor operator()(const at::Tensor& input) const {
        segment_error.clear();
        pt_tensor out = nullptr;
        int status = run(state, new_handle(input), &out);
        TORCH_CHECK(status == 0 && out != nullptr, "activation checkpoint segment failed: ",
                    segment_error.empty() ? std::string("no message") : segment_error);
        at::Tensor result = T(out);
        pt_tensor_free(out);
        return result;
    }
};

struct AutocastState {
    bool cpu = false;
    bool cuda = false;
    at::ScalarType cpu_dtype = at::kBFloat16;
    at::ScalarType cuda_dtype = at::kHalf;
};

AutocastState autocast_state() {
    AutocastState s;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    s.cpu = at::autocast::is_autocast_enabled(at::kCPU);
    s.cuda = at::autocast::is_autocast_enabled(at::kCUDA);
    s.cpu_dtype = at::autocast::get_autocast_dtype(at::kCPU);
    s.cuda_dtype = at::autocast::get_autocast_dtype(at::kCUDA);
#else
    s.cpu = at::autocast::is_cpu_enabled();
    s.cuda = at::autocast::is_enabled();
    s.cpu_dtype = at::autocast::get_autocast_cpu_dtype();
    s.cuda_dtype = at::autocast::get_autocast_gpu_dtype();
#endif
    return s;
}

void set_autocast_state(const AutocastState& s) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_dtype(at::kCPU, s.cpu_dtype);
    at::autocast::set_autocast_dtype(at::kCUDA, s.cuda_dtype);
    at::autocast::set_autocast_enabled(at::kCPU, s.cpu);
    at::autocast::set_autocast_enabled(at::kCUDA, s.cuda);
#else
    at::autocast::set_autocast_cpu_dtype(s.cpu_dtype);
    at::autocast::set_autocast_gpu_dtype(s.cuda_dtype);
    at::autocast::set_cpu_enabled(s.cpu);
    at::autocast::set_enabled(s.cuda);
#endif
}

// The default generator of the input's device, whose state the recomputation must repeat (dropout).
at::Generator default_generator(const at::Device& device) {
#ifdef POSTTRAIN_HAS_CUDA
    if (device.is_cuda()) return at::cuda::detail::getDefaultCUDAGenerator(device.index());
#endif
    (void)device;
    return at::detail::getDefaultCPUGenerator();
}

at::Tensor rng_state(const at::Device& device) {
    auto gen = default_generator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void set_rng_state(const at::Device& device, const at::Tensor& state) {
    auto gen = default_generator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

struct CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
    static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& input,
                              const c10::intrusive_ptr<Segment>& segment) {
        auto autocast = autocast_state();
        ctx->saved_data["segment"] = c10::IValue::make_capsule(segment);
        ctx->saved_data["rng"] = rng_state(input.device());
        ctx->saved_data["autocast"] = std::vector<int64_t>{autocast.cpu, autocast.cuda, static_cast<int64_t>(autocast.cpu_dtype),
                                                           static_cast<int64_t>(autocast.cuda_dtype)};
        ctx->save_for_backward({input});
        at::NoGradGuard no_grad;
        return (*segment)(input);
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list grads) {
        auto segment = c10::static_intrusive_pointer_cast<Segment>(ctx->saved_data["segment"].toCapsule());
        auto saved = ctx->get_saved_variables();
        auto input = saved[0].detach().requires_grad_(true);
        auto flags = ctx->saved_data["autocast"].toIntVector();
        AutocastState forward_autocast;
        forward_autocast.cpu = flags[0] != 0;
        forward_autocast.cuda = flags[1] != 0;
        forward_autocast.cpu_dtype = static_cast<at::ScalarType>(flags[2]);
        forward_autocast.cuda_dtype = static_cast<at::ScalarType>(flags[3]);

        // Recompute exactly as the forward pass ran: its random numbers and its autocast state; then put both back.
        auto outer_rng = rng_state(input.device());
        auto outer_autocast = autocast_state();
        set_rng_state(input.device(), ctx->saved_data["rng"].toTensor());
        set_autocast_state(forward_autocast);
        at::Tensor output;
        try {
            at::AutoGradMode enable_grad(true);
            output = (*segment)(input);
        } catch (...) {
            set_autocast_state(outer_autocast);
            set_rng_state(input.device(), outer_rng);
            throw;
        }
        set_autocast_state(outer_autocast);
        // Casts cached while recomputing were made from this step's weights; none may outlive it.
        at::autocast::clear_cache();
        set_rng_state(input.device(), outer_rng);
        TORCH_CHECK(output.requires_grad(), "activation checkpoint: the recomputed segment output does not require grad");
        torch::autograd::backward({output}, {grads[0]});
        return {input.grad(), torch::autograd::Variable()};
    }
};
}  // namespace

PT_API int pt_checkpoint_segment_failed(const char* message) {
    PT_GUARD(segment_error = message == nullptr ? "" : message)
}

PT_API int pt_checkpoint(pt_segment_fn run, pt_segment_free_fn free, void* state, pt_tensor input, pt_tensor* out) {
    // Until the segment exists, a failure must still free the managed state.
    auto segment = c10::make_intrusive<Segment>();
    segment->run = run;
    segment->free = free;
    segment->state = state;
    PT_GUARD({
        TORCH_CHECK(run != nullptr, "activation checkpoint: no segment function");
        auto x = T(input);
        // A segment whose input needs no gradient (a frozen embedding under LoRA) still has parameters that do: the
        // input is made a leaf that requires grad so that backward reaches the segment.
        if (!x.requires_grad()) x = x.detach().requires_grad_(true);
        *out = new_handle(CheckpointFunction::apply(x, segment));
    })
}
