// The fused contrastive loss as a differentiable op: three stages that run
// on the CPU (src/cpu/contrastive_loss.cpp) or the GPU
// (src/cuda/contrastive_loss_ops.cpp), around the library's matmul.
//
// Forward:  X' = [bg; fg] (rows scaled where K would overflow), row norms,
//           scales and duplicate representatives → K = X'·X'ᵀ → terms and
//           G (2N×2N).
// Backward: P from G, K, norms, scales and the terms' gradients → ∂X = P·X'.
// Saved for backward: K, G, the norms and scales (N×N scale); X' is packed
// again.

#include <cmath>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/autograd/node.hpp"
#include "c2am/loss/contrastive.hpp"
#include "c2am/ops/linalg.hpp"
#include "backend/cuda_ops.hpp"
#include "cpu/kernels.hpp"
#include "loss/input_checks.hpp"

namespace c2am {

namespace {

// X' = [bg; fg], with the rows' statistics when asked.
cpu::PackedEmbeddings pack(const Tensor& bg, const Tensor& fg, bool statistics) {
  return bg.device().is_cuda() ? cuda::ops::pack_embeddings(bg, fg, statistics)
                               : cpu::pack_embeddings(bg, fg, statistics);
}

class FusedContrastiveBackward : public autograd::Node {
 public:
  FusedContrastiveBackward(const Tensor& fg, const Tensor& bg, Tensor gram, Tensor coefficients, Tensor norms,
                           Tensor scales)
      : fg_(fg),
        bg_(bg),
        gram_(std::move(gram)),
        coefficients_(std::move(coefficients)),
        norms_(std::move(norms)),
        scales_(std::move(scales)) {}

  std::vector<Tensor> apply(const Tensor& grad_terms) override {
    const Tensor fg = fg_.get(name()), bg = bg_.get(name());
    const Tensor gram = gram_.get(name()), coefficients = coefficients_.get(name()), norms = norms_.get(name());
    const Tensor scales = scales_.get(name());
    const Tensor grad = grad_terms.contiguous();
    const Tensor p = grad.device().is_cuda()
                         ? cuda::ops::contrastive_backward_coefficients(coefficients, gram, norms, scales, grad)
                         : cpu::contrastive_backward_coefficients(coefficients, gram, norms, scales, grad);
    const Tensor grad_x = matmul(p, pack(bg, fg, false).x);
    const std::int64_t n = fg.size(0);
    return {grad_x.narrow(0, n, n), grad_x.narrow(0, 0, n)};
  }
  const char* name() const override { return "FusedContrastiveBackward"; }
  void release() override {
    fg_.release();
    bg_.release();
    gram_.release();
    coefficients_.release();
    norms_.release();
    scales_.release();
  }

 private:
  autograd::SavedTensor fg_, bg_, gram_, coefficients_, norms_, scales_;
};

}  // namespace

Tensor fused_contrastive_terms(const Tensor& fg, const Tensor& bg, double alpha) {
  const char* op = "fused_contrastive_terms";
  loss_detail::require_loss_inputs(op, fg, bg);
  check(std::isfinite(alpha), op, "alpha must be finite, got ", alpha);
  const bool on_gpu = fg.device().is_cuda();
  C2AM_CHECK(fg.dtype() == DType::Float32 || (!on_gpu && fg.dtype() == DType::Float64), op,
        on_gpu ? "runs on float32 on the GPU" : "needs float32 or float64", ", got ", fg.describe());
  C2AM_CHECK(!on_gpu || fg.size(0) <= cuda::ops::kMaxFusedRows, op, "supports at most ", cuda::ops::kMaxFusedRows,
        " rows on the GPU (the per-row sort lives in shared memory), got ", fg.describe(),
        "; use LossPath::composed");
  cpu::ContrastiveForward forward;
  cpu::PackedEmbeddings packed;
  Tensor gram;
  {
    NoGradGuard no_grad;
    packed = pack(bg.detach(), fg.detach(), true);
    gram = matmul(packed.x, packed.x.transpose(0, 1));
    forward = on_gpu ? cuda::ops::contrastive_forward(gram, packed.norms, packed.representatives, alpha)
                     : cpu::contrastive_forward(gram, packed.norms, packed.representatives, alpha);
  }
  return autograd::record<FusedContrastiveBackward>(forward.terms, {fg, bg}, fg, bg, gram, forward.coefficients,
                                                    packed.norms, packed.scales);
}

}  // namespace c2am
