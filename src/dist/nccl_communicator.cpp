// The NCCL communicator: one process per GPU, collectives on the library's
// CUDA stream (stream-ordered with c2am's kernels: no host synchronization
// except barrier()). NCCL's unique id travels through the bootstrap (MPI).
// Compiled in CUDA builds that found NCCL and MPI; runs only with ≥ 2 GPUs.

#include <cuda_runtime.h>
#include <nccl.h>

#include <algorithm>
#include <cstring>

#include "c2am/core/error.hpp"
#include "c2am/cuda/runtime.hpp"
#include "c2am/dist/communicator.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::dist {

namespace {

void nccl_check(ncclResult_t status, const char* what) {
  if (status != ncclSuccess) throw Error(std::string("nccl: ") + what + " failed: " + ncclGetErrorString(status));
}

ncclDataType_t nccl_type(const Tensor& t, int device, const char* op) {
  C2AM_CHECK(t.device() == Device::cuda(device), op, "the NCCL communicator of cuda:", device, " takes tensors there, got ",
        t.describe());
  C2AM_CHECK(t.is_contiguous(), op, "expected a contiguous tensor, got ", t.describe());
  switch (t.dtype()) {
    case DType::Float32: return ncclFloat32;
    case DType::Float64: return ncclFloat64;
    case DType::Int64: return ncclInt64;
    default: throw Error(std::string(op) + ": NCCL collectives take float32, float64 or int64 tensors, got " + t.describe());
  }
}

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator(std::shared_ptr<Communicator> bootstrap, int device)
      : bootstrap_(std::move(bootstrap)), device_(device) {
    ncclUniqueId id;
    std::memset(&id, 0, sizeof id);
    Tensor bytes = zeros({static_cast<std::int64_t>(sizeof id)}, DType::Int64);
    if (bootstrap_->rank() == 0) {
      nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
      const auto* raw = reinterpret_cast<const unsigned char*>(&id);
      for (std::size_t i = 0; i < sizeof id; ++i) bytes.data<std::int64_t>()[i] = raw[i];
    }
    bootstrap_->broadcast(bytes, 0);
    auto* raw = reinterpret_cast<unsigned char*>(&id);
    for (std::size_t i = 0; i < sizeof id; ++i) raw[i] = static_cast<unsigned char>(bytes.data<std::int64_t>()[i]);
    check(cudaSetDevice(device_) == cudaSuccess, "nccl_world", "cannot use cuda:", device_);
    nccl_check(ncclCommInitRank(&comm_, bootstrap_->size(), id, bootstrap_->rank()), "ncclCommInitRank");
    stream_ = static_cast<cudaStream_t>(cuda::stream_handle(device_));
  }
  ~NcclCommunicator() override { ncclCommDestroy(comm_); }

  int rank() const override { return bootstrap_->rank(); }
  int size() const override { return bootstrap_->size(); }
  std::string backend() const override { return "nccl"; }
  Device device() const override { return Device::cuda(device_); }

  void all_reduce_sum(Tensor& t) override {
    const ncclDataType_t type = nccl_type(t, device_, "all_reduce_sum");
    nccl_check(ncclAllReduce(t.raw_data(), t.raw_data(), static_cast<std::size_t>(t.numel()), type, ncclSum, comm_,
                             stream_),
               "ncclAllReduce");
    t.storage()->bump_version();
  }

  std::vector<std::int64_t> row_counts(std::int64_t local_rows) override {
    return bootstrap_->row_counts(local_rows);
  }

  // NCCL gathers equal counts: rows are padded to the largest count, then
  // each process's real rows are kept.
  Tensor all_gather(const Tensor& t_in) override {
    const Tensor t = t_in.contiguous();
    const ncclDataType_t type = nccl_type(t, device_, "all_gather");
    const std::vector<std::int64_t> rows = row_counts(t.size(0));
    const std::int64_t most = *std::max_element(rows.begin(), rows.end());
    Shape padded_shape = t.shape();
    padded_shape[0] = most;
    Tensor padded = zeros(padded_shape, t.options());
    if (t.size(0) > 0) padded.narrow(0, 0, t.size(0)).copy_(t);
    Shape all_shape = padded_shape;
    all_shape[0] = most * size();
    Tensor all = empty(all_shape, t.options());
    nccl_check(ncclAllGather(padded.raw_data(), all.raw_data(), static_cast<std::size_t>(padded.numel()), type, comm_,
                             stream_),
               "ncclAllGather");
    std::vector<Tensor> parts;
    for (int r = 0; r < size(); ++r) {
      if (rows[static_cast<std::size_t>(r)] > 0) parts.push_back(all.narrow(0, r * most, rows[static_cast<std::size_t>(r)]));
    }
    return parts.size() == 1 ? parts.front().contiguous() : cat(parts, 0);
  }

  void broadcast(Tensor& t, int root) override {
    check(root >= 0 && root < size(), "broadcast", "root ", root, " out of range for ", size(), " processes");
    const ncclDataType_t type = nccl_type(t, device_, "broadcast");
    nccl_check(ncclBroadcast(t.raw_data(), t.raw_data(), static_cast<std::size_t>(t.numel()), type, root, comm_,
                             stream_),
               "ncclBroadcast");
    t.storage()->bump_version();
  }

  void barrier() override {
    check(cudaStreamSynchronize(stream_) == cudaSuccess, "barrier", "the stream of cuda:", device_, " failed");
    bootstrap_->barrier();
  }

 private:
  std::shared_ptr<Communicator> bootstrap_;
  int device_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
};

}  // namespace

bool nccl_available() { return true; }

std::shared_ptr<Communicator> nccl_world(std::shared_ptr<Communicator> bootstrap, int device) {
  check(bootstrap != nullptr, "nccl_world", "needs a bootstrap communicator (mpi_world())");
  return std::make_shared<NcclCommunicator>(std::move(bootstrap), device);
}

}  // namespace c2am::dist
