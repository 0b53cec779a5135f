// Stand-ins for the CUDA entry points in a build without CUDA: queries say
// "not available" and anything that needs a GPU throws, naming the reason.

#include "backend/cuda_backend.hpp"
#include "c2am/core/error.hpp"
#include "c2am/cuda/runtime.hpp"

namespace c2am::cuda {

namespace {
[[noreturn]] void no_cuda(const char* what) {
  throw Error(std::string(what) + ": this build of c2am has no CUDA support (configure with -DC2AM_CUDA=ON on a "
              "machine with the CUDA toolkit and cuDNN)");
}
}  // namespace

bool compiled() { return false; }

const Availability& availability() {
  static const Availability none{false, 0, "this build of c2am has no CUDA support"};
  return none;
}

MemoryInfo memory_info(int) { no_cuda("cuda::memory_info"); }
void synchronize(int) { no_cuda("cuda::synchronize"); }
void* stream_handle(int) { no_cuda("cuda::stream_handle"); }
std::string device_name(int) { no_cuda("cuda::device_name"); }
std::size_t peak_memory(int) { no_cuda("cuda::peak_memory"); }
void reset_peak_memory(int) { no_cuda("cuda::reset_peak_memory"); }
std::size_t reserved_memory(int) { no_cuda("cuda::reserved_memory"); }
void empty_cache(int) { no_cuda("cuda::empty_cache"); }

namespace detail {
void* allocate(std::size_t, int) { no_cuda("cuda allocate"); }
void deallocate(void*, int) noexcept {}
void copy_bytes(void*, Device, const void*, Device, std::size_t) { no_cuda("cuda copy"); }
void fill(void*, DType, std::int64_t, double, int) { no_cuda("cuda fill"); }
}  // namespace detail

}  // namespace c2am::cuda

// The CUDA kernels of the ops layer (backend/cuda_ops.hpp).
#include "backend/cuda_ops.hpp"

namespace c2am::cuda::ops {

namespace {
[[noreturn]] void no_kernels(const char* op) {
  throw Error(std::string(op) + ": this build of c2am has no CUDA support (configure with -DC2AM_CUDA=ON on a "
              "machine with the CUDA toolkit and cuDNN)");
}
}  // namespace

void copy_strided(const Tensor&, const Tensor&) { no_kernels("copy"); }
Tensor unary(cpu::UnaryOp, const Tensor&, cpu::UnaryArgs) { no_kernels("unary"); }
Tensor unary_backward(cpu::UnaryOp, const Tensor&, const Tensor&, const Tensor&, cpu::UnaryArgs) {
  no_kernels("unary backward");
}
Tensor binary(cpu::BinaryOp, const Tensor&, const Tensor&) { no_kernels("binary"); }
Tensor sum_rows(const Tensor&) { no_kernels("sum"); }
Tensor max_rows(const Tensor&, Tensor&) { no_kernels("max"); }
Tensor scatter_rows(const Tensor&, const Tensor&, std::int64_t) { no_kernels("max backward"); }
Tensor batched_matmul(const Tensor&, const Tensor&) { no_kernels("matmul"); }
void sgd_update(Tensor&, const Tensor&, Tensor&, double, double, double, bool) { no_kernels("sgd"); }
cpu::PackedEmbeddings pack_embeddings(const Tensor&, const Tensor&, bool) { no_kernels("contrastive_loss"); }
std::vector<std::vector<float>> dense_crf_batch(const std::vector<wsss::CrfProblem>&, int, const wsss::PairwiseKernels&,
                                                int, int) {
  no_kernels("dense_crf_batch");
}
cpu::ContrastiveForward contrastive_forward(const Tensor&, const Tensor&, const Tensor&, double) {
  no_kernels("contrastive_loss");
}
Tensor contrastive_backward_coefficients(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&) {
  no_kernels("contrastive_loss_backward");
}
Tensor conv2d_forward(const Tensor&, const Tensor&, const Conv2dParams&, const Shape&) { no_kernels("conv2d"); }
Tensor conv2d_backward_input(const Tensor&, const Tensor&, const Conv2dParams&, const Shape&) { no_kernels("conv2d"); }
Tensor conv2d_backward_weight(const Tensor&, const Tensor&, const Conv2dParams&, const Shape&) { no_kernels("conv2d"); }
BatchNormOutputs batch_norm2d_forward(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                      const BatchNormParams&) {
  no_kernels("batch_norm2d");
}
BatchNormGradients batch_norm2d_backward_training(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                                  const Tensor&, double) {
  no_kernels("batch_norm2d");
}
Tensor pool2d_forward(bool, const Tensor&, const Pool2dParams&, const Shape&) { no_kernels("pooling"); }
Tensor pool2d_backward(bool, const Tensor&, const Tensor&, const Tensor&, const Pool2dParams&) { no_kernels("pooling"); }

}  // namespace c2am::cuda::ops
