#include "c2am/dist/data_parallel.hpp"

#include <map>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/autograd/node.hpp"
#include "c2am/core/error.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::dist {

ContrastiveLossTerms contrastive_loss_global(const Tensor& fg, const Tensor& bg, double alpha, Communicator& comm,
                                             LossPath path) {
  check(fg.dim() == 2 && fg.shape() == bg.shape(), "contrastive_loss_global", "fg and bg must be N×C and alike, got ",
        fg.describe(), " and ", bg.describe());
  if (comm.size() == 1) return contrastive_loss(fg, bg, alpha, path);
  return contrastive_loss(gather_rows(fg, comm), gather_rows(bg, comm), alpha, path);
}

void broadcast_parameters(nn::Module& module, Communicator& comm, int root) {
  if (comm.size() == 1) return;
  NoGradGuard no_grad;
  for (const auto& named : {module.named_parameters(), module.named_buffers()}) {
    for (const auto& [name, t] : named) {
      check(t.is_contiguous(), "broadcast_parameters", "'", name, "' is not contiguous (", t.describe(), ")");
      Tensor handle = t;
      comm.broadcast(handle, root);
    }
  }
}

void all_reduce_gradients(const nn::NamedTensors& parameters, Communicator& comm, std::size_t bucket_bytes) {
  if (comm.size() == 1) return;
  NoGradGuard no_grad;
  // Buckets per dtype and device, in the parameters' order (the same on every process).
  std::size_t first = 0;
  while (first < parameters.size()) {
    const Tensor& lead = parameters[first].second;
    std::size_t last = first;
    std::int64_t elements = 0;
    const std::size_t element_bytes = lead.dtype() == DType::Float64 ? 8 : 4;
    while (last < parameters.size()) {
      const Tensor& p = parameters[last].second;
      if (p.dtype() != lead.dtype() || p.device() != lead.device()) break;
      if (last > first && static_cast<std::size_t>(elements + p.numel()) * element_bytes > bucket_bytes) break;
      elements += p.numel();
      ++last;
    }
    Tensor flat = empty({elements}, lead.options());
    std::int64_t offset = 0;
    for (std::size_t i = first; i < last; ++i) {
      const Tensor& p = parameters[i].second;
      Tensor slot = flat.narrow(0, offset, p.numel());
      const Tensor g = p.grad();
      if (g.defined()) {
        slot.copy_(g.reshape({p.numel()}));
      } else {
        slot.fill_(0.0);
      }
      offset += p.numel();
    }
    comm.all_reduce_sum(flat);
    offset = 0;
    for (std::size_t i = first; i < last; ++i) {
      const Tensor& p = parameters[i].second;
      const auto& meta = p.impl()->autograd;
      check(meta != nullptr, "all_reduce_gradients", "'", parameters[i].first, "' does not require a gradient");
      meta->grad = flat.narrow(0, offset, p.numel()).reshape(p.shape());
      offset += p.numel();
    }
    first = last;
  }
}

}  // namespace c2am::dist
