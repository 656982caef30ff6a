// c10d process groups: a TCP store rendezvous, then Gloo (CPU) or NCCL (CUDA) collectives.
#include "common.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#ifdef POSTTRAIN_HAS_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef POSTTRAIN_HAS_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

using namespace posttrain;

namespace {
struct Group {
    virtual ~Group() = default;
    virtual void all_reduce(at::Tensor& t, int op) = 0;
    virtual void broadcast(at::Tensor& t, int root) = 0;
    virtual void barrier() = 0;
    virtual void all_gather(at::Tensor& input, at::Tensor& output) = 0;
    int world = 1;
};

#ifdef POSTTRAIN_HAS_GLOO
// ProcessGroupGloo is a ProcessGroup in libtorch 1.x and a Backend in 2.x; both have these calls.
template <class PG>
struct GroupOf final : Group {
    c10::intrusive_ptr<c10d::Store> store;
    c10::intrusive_ptr<PG> pg;
    bool native_average = false;

    void all_reduce(at::Tensor& t, int op) override {
        TORCH_CHECK(t.is_contiguous(), "all_reduce needs a contiguous tensor");
        std::vector<at::Tensor> v{t};
        c10d::AllreduceOptions o;
        switch (op) {
            case 0: o.reduceOp = c10d::ReduceOp::SUM; break;
            case 1: o.reduceOp = c10d::ReduceOp::SUM; break;  // divided below
            case 2: o.reduceOp = c10d::ReduceOp::MAX; break;
            case 3: o.reduceOp = c10d::ReduceOp::MIN; break;
            default: TORCH_CHECK(false, "unknown reduce op ", op, " (0 sum, 1 average, 2 max, 3 min)");
        }
        pg->allreduce(v, o)->wait();
        if (op == 1) {
            at::NoGradGuard no_grad;
            t.div_(world);
        }
    }
    void broadcast(at::Tensor& t, int root) override {
        TORCH_CHECK(t.is_contiguous(), "broadcast needs a contiguous tensor");
        TORCH_CHECK(root >= 0 && root < world, "root rank ", root, " is outside 0..", world - 1);
        std::vector<at::Tensor> v{t};
        c10d::BroadcastOptions o;
        o.rootRank = root;
        pg->broadcast(v, o)->wait();
    }
    void barrier() override { pg->barrier(c10d::BarrierOptions())->wait(); }
    void all_gather(at::Tensor& input, at::Tensor& output) override {
        TORCH_CHECK(input.is_contiguous() && output.is_contiguous(), "all_gather needs contiguous tensors");
        TORCH_CHECK(output.dim() == input.dim() + 1 && output.size(0) == world &&
                        output.sizes().slice(1) == input.sizes(),
                    "all_gather output must be [", world, ", ", input.sizes(), "], got ", output.sizes());
        TORCH_CHECK(output.scalar_type() == input.scalar_type() && output.device() == input.device(),
                    "all_gather output must have the input's dtype and device");
        std::vector<at::Tensor> in{input};
        std::vector<std::vector<at::Tensor>> out(1);
        for (int r = 0; r < world; ++r) out[0].push_back(output.select(0, r));
        pg->allgather(out, in)->wait();
    }
};

bool is_loopback(const std::string& addr) {
    return addr == "localhost" || addr.rfind("127.", 0) == 0 || addr == "::1";
}
#endif
}  // namespace

PT_API int pt_dist_init(const char* master_addr, int port, int rank, int world_size, int backend, int64_t timeout_ms,
                        pt_process_group* out) {
    PT_GUARD({
        TORCH_CHECK(master_addr != nullptr && *master_addr != 0, "MASTER_ADDR is empty");
        TORCH_CHECK(port > 0 && port < 65536, "MASTER_PORT ", port, " is not a TCP port");
        TORCH_CHECK(world_size >= 1, "WORLD_SIZE must be at least 1, got ", world_size);
        TORCH_CHECK(rank >= 0 && rank < world_size, "RANK ", rank, " is outside 0..", world_size - 1);
#ifdef POSTTRAIN_HAS_GLOO
        std::string addr(master_addr);
        auto timeout = std::chrono::milliseconds(timeout_ms);
        c10d::TCPStoreOptions so;
        so.port = static_cast<std::uint16_t>(port);
        so.isServer = rank == 0;
        so.numWorkers = static_cast<std::size_t>(world_size);
        so.waitWorkers = true;
        so.timeout = timeout;
        auto store = c10::make_intrusive<c10d::TCPStore>(addr, so);
        if (backend == 0) {
            auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
            const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
            if (ifname != nullptr && *ifname != 0) {
                opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
            } else if (is_loopback(addr)) {
                opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
            } else {
                opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
            }
            auto g = std::make_unique<GroupOf<c10d::ProcessGroupGloo>>();
            g->store = store;
            g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, world_size, opts);
            g->world = world_size;
            *out = g.release();
        } else if (backend == 1) {
#ifdef POSTTRAIN_HAS_NCCL
            auto opts = c10d::ProcessGroupNCCL::Options::create();
            opts->timeout = timeout;
            auto g = std::make_unique<GroupOf<c10d::ProcessGroupNCCL>>();
            g->store = store;
            g->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, world_size, opts);
            g->world = world_size;
            *out = g.release();
#else
            TORCH_CHECK(false, "this shim was built without NCCL (it needs a CUDA libtorch); use the gloo backend");
#endif
        } else {
            TORCH_CHECK(false, "unknown backend ", backend, " (0 gloo, 1 nccl)");
        }
#else
        (void)backend;
        (void)timeout_ms;
        (void)out;
        TORCH_CHECK(false, "this shim was built without Gloo headers (install libgloo-dev and rebuild)");
#endif
    })
}

PT_API int pt_dist_free(pt_process_group pg) { PT_GUARD(delete static_cast<Group*>(pg)) }

PT_API int pt_dist_all_reduce(pt_process_group pg, pt_tensor t, int op) {
    PT_GUARD({
        TORCH_CHECK(pg != nullptr, "process group is null (disposed?)");
        static_cast<Group*>(pg)->all_reduce(T(t), op);
    })
}

PT_API int pt_dist_broadcast(pt_process_group pg, pt_tensor t, int root) {
    PT_GUARD({
        TORCH_CHECK(pg != nullptr, "process group is null (disposed?)");
        static_cast<Group*>(pg)->broadcast(T(t), root);
    })
}

PT_API int pt_dist_all_gather(pt_process_group pg, pt_tensor input, pt_tensor output) {
    PT_GUARD({
        TORCH_CHECK(pg != nullptr, "process group is null (disposed?)");
        static_cast<Group*>(pg)->all_gather(T(input), T(output));
    })
}

PT_API int pt_dist_barrier(pt_process_group pg) {
    PT_GUARD({
        TORCH_CHECK(pg != nullptr, "process group is null (disposed?)");
        static_cast<Group*>(pg)->barrier();
    })
}
