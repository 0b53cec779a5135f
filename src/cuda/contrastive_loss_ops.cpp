// Host side of the fused contrastive loss kernels (kernels/contrastive_loss.cu):
// argument layout, output allocation, launches on the device's stream.

#include <sstream>
#include <string>

#include "backend/cuda_backend.hpp"
#include "backend/cuda_ops.hpp"
#include "contrastive_loss.cuh"
#include "cuda/check.hpp"

namespace c2am::cuda::ops {

namespace {

void require_float32(const Tensor& t, const char* op) {
  C2AM_CHECK(t.dtype() == DType::Float32 && t.device().is_cuda(), op, "expects float32 on a GPU, got ", t.describe());
}

// The forward kernel's completion counter, zero at launch: a fresh word from
// the pool, zeroed on the library stream that the kernel runs on (so the
// zeroing is ordered before it), per launch, so that a launch that failed
// part way cannot leave a count behind for later ones.
Tensor zeroed_ticket(const Tensor& like) {
  Tensor ticket = empty({1}, TensorOptions(DType::Int32, like.device()));
  const int device = like.device().index;
  detail::check_cuda(cudaMemsetAsync(ticket.raw_data(), 0, sizeof(std::int32_t), detail::stream(device)),
                     "cudaMemsetAsync", "contrastive loss ticket");
  return ticket;
}

std::string shared_memory_context(const Tensor& gram, std::int64_t n) {
  std::ostringstream out;
  out << gram.describe() << ", " << detail::contrastive_forward_shared_bytes(n) << " bytes of shared memory per block";
  return out.str();
}

}  // namespace

cpu::PackedEmbeddings pack_embeddings(const Tensor& bg_in, const Tensor& fg_in, bool statistics) {
  require_float32(bg_in, "contrastive_loss");
  detail::DeviceGuard guard(bg_in.device().index);
  const Tensor bg = bg_in.contiguous(), fg = fg_in.contiguous();
  const std::int64_t n = bg.size(0), c = bg.size(1);
  cpu::PackedEmbeddings out;
  out.x = empty({2 * n, c}, bg.options());
  Tensor hashes;
  if (statistics) {
    out.norms = empty({2 * n}, bg.options());
    out.scales = empty({2 * n}, bg.options());
    out.representatives = empty({2 * n}, TensorOptions(DType::Int32, bg.device()));
    hashes = empty({2 * n}, TensorOptions(DType::Int64, bg.device()));
  }
  const auto pointer = [](Tensor& t) { return t.defined() ? t.raw_data() : nullptr; };
  detail::check_cuda(detail::launch_contrastive_pack(bg.data<float>(), fg.data<float>(), n, c, out.x.data<float>(),
                                                     static_cast<float*>(pointer(out.norms)),
                                                     static_cast<float*>(pointer(out.scales)),
                                                     static_cast<unsigned long long*>(pointer(hashes)),
                                                     static_cast<int*>(pointer(out.representatives)),
                                                     detail::stream(bg.device().index)),
                     "contrastive loss pack kernels", [&] { return bg.describe(); });
  return out;
}

cpu::ContrastiveForward contrastive_forward(const Tensor& gram_in, const Tensor& norms_in,
                                            const Tensor& representatives_in, double alpha) {
  require_float32(gram_in, "contrastive_loss");
  const Tensor gram = gram_in.contiguous(), norms = norms_in.contiguous();
  const Tensor representatives = representatives_in.contiguous();
  const int device = gram.device().index;
  detail::DeviceGuard guard(device);
  const std::int64_t rows = gram.size(0), n = rows / 2;
  cpu::ContrastiveForward out;
  out.coefficients = empty({rows, rows}, gram.options());
  out.terms = empty({3}, gram.options());
  const Tensor row_sums = empty({2 * rows}, TensorOptions(DType::Float64, gram.device()));
  const Tensor ticket = zeroed_ticket(gram);
  detail::check_cuda(
      detail::launch_contrastive_forward(gram.data<float>(), norms.data<float>(),
                                         representatives.data<std::int32_t>(), n, alpha,
                                         out.coefficients.data<float>(), row_sums.data<double>(),
                                         out.terms.data<float>(), static_cast<unsigned*>(ticket.raw_data()),
                                         detail::stream(device)),
      "contrastive loss forward kernel", [&] { return shared_memory_context(gram, n); });
  return out;
}

Tensor contrastive_backward_coefficients(const Tensor& coefficients_in, const Tensor& gram_in, const Tensor& norms_in,
                                         const Tensor& scales_in, const Tensor& grad_terms_in) {
  require_float32(gram_in, "contrastive_loss_backward");
  const Tensor coefficients = coefficients_in.contiguous(), gram = gram_in.contiguous(), norms = norms_in.contiguous();
  const Tensor scales = scales_in.contiguous();
  detail::DeviceGuard guard(gram.device().index);
  const Tensor grad_terms = grad_terms_in.to(DType::Float32).contiguous();
  const std::int64_t rows = gram.size(0);
  Tensor p = empty({rows, rows}, gram.options());
  detail::check_cuda(detail::launch_contrastive_backward(coefficients.data<float>(), gram.data<float>(),
                                                         norms.data<float>(), scales.data<float>(),
                                                         grad_terms.data<float>(), rows / 2,
                                                         p.data<float>(), detail::stream(gram.device().index)),
                     "contrastive loss backward kernel", [&] { return gram.describe(); });
  return p;
}

}  // namespace c2am::cuda::ops
