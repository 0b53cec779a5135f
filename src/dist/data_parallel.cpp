#include "c2am/dist/data_parallel.hpp"

#include <map>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/autograd/node.hpp"
#include "c2am/core/error.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::dist {

ContrastiveLossTerms contrastive_loss_global(const Tensor& fg, const Tensor& bg, double alpha, Communicator& comm,
                                             LossPath path) {
  C2AM_CHECK(fg.dim() == 2 && fg.shape() == bg.shape(), "contrastive_loss_global", "fg and bg must be N×C and alike, got ",
        fg.describe(), " and ", bg.describe());
  if (comm.size() == 1) return contrastive_loss(fg, bg, alpha, path);
  return contrastive_loss(gather_rows(fg, comm), gather_rows(bg, comm), alpha, path);
}

void broadcast_parameters(nn::Module& module, Communicator& comm, int root) {
  if (comm.size() == 1) return;
  NoGradGuard no_grad;
  for (const auto& named : {module.named_parameters(), module.named_buffers()}) {
    for (const auto& [name, t] : named) {
      C2AM_CHECK(t.is_contiguous(), "broadcast_parameters", "'", name, "' is not contiguous (", t.describe(), ")");
      Tensor handle = t;
      comm.broadcast(handle, root);
    }
  }
}

void all_reduce_gradients(const nn::NamedTensors& parameters, Communicator& comm, std::size_t bucket_bytes) {
  if (comm.size() == 1) return;
  // The reducer without its backward hooks: finish() sums every bucket.
  const std::shared_ptr<Communicator> borrowed(std::shared_ptr<Communicator>(), &comm);
  GradientReducer(parameters, borrowed, bucket_bytes, false).finish();
}

GradientReducer::GradientReducer(nn::NamedTensors parameters, std::shared_ptr<Communicator> comm,
                                 std::size_t bucket_bytes)
    : GradientReducer(std::move(parameters), std::move(comm), bucket_bytes, true) {}

GradientReducer::GradientReducer(nn::NamedTensors parameters, std::shared_ptr<Communicator> comm,
                                 std::size_t bucket_bytes, bool hooks)
    : parameters_(std::move(parameters)), comm_(std::move(comm)), hooks_(hooks) {
  const std::size_t n = parameters_.size();
  bucket_of_.assign(n, 0);
  slot_of_.assign(n, 0);
  ready_.assign(n, false);
  std::size_t bytes = 0;
  for (std::size_t k = n; k-- > 0;) {
    const Tensor& p = parameters_[k].second;
    check(p.requires_grad() && p.impl()->autograd, "GradientReducer", "'", parameters_[k].first,
          "' does not require a gradient");
    const std::size_t size = static_cast<std::size_t>(p.numel()) * element_size(p.dtype());
    const bool fits = !buckets_.empty() && bytes + size <= bucket_bytes &&
                      parameters_[buckets_.back().members.front()].second.dtype() == p.dtype() &&
                      parameters_[buckets_.back().members.front()].second.device() == p.device();
    if (!fits) {
      buckets_.emplace_back();
      bytes = 0;
    }
    Bucket& b = buckets_.back();
    bucket_of_[k] = buckets_.size() - 1;
    slot_of_[k] = b.members.size();
    b.offsets.push_back(b.members.empty() ? 0 : b.offsets.back() + parameters_[b.members.back()].second.numel());
    b.members.push_back(k);
    bytes += size;
  }
  for (Bucket& b : buckets_) {
    const Tensor& last = parameters_[b.members.back()].second;
    b.flat = empty({b.offsets.back() + last.numel()}, last.options());
  }
  for (std::size_t k = 0; hooks_ && k < n; ++k) {
    parameters_[k].second.impl()->autograd->on_gradient_ready = [this, k] { on_ready(k); };
  }
}

GradientReducer::~GradientReducer() {
  for (auto& [name, p] : parameters_) {
    if (hooks_ && p.impl()->autograd) p.impl()->autograd->on_gradient_ready = nullptr;
  }
  for (Bucket& b : buckets_) {
    if (b.work) b.work->wait();  // MPI must not write into freed memory
  }
}

void GradientReducer::on_ready(std::size_t k) {
  check(!ready_[k], "GradientReducer", "a second backward() before finish() ('", parameters_[k].first, "')");
  ready_[k] = true;
  Bucket& b = buckets_[bucket_of_[k]];
  const Tensor& p = parameters_[k].second;
  NoGradGuard no_grad;
  b.flat.narrow(0, b.offsets[slot_of_[k]], p.numel()).copy_(p.grad().reshape({p.numel()}));
  ++b.ready;
  start_ready_buckets();
  for (Bucket& other : buckets_) {
    if (other.work) other.work->poll();  // let MPI advance the ones in flight
  }
}

void GradientReducer::start_ready_buckets() {
  while (next_to_start_ < buckets_.size() && buckets_[next_to_start_].ready == buckets_[next_to_start_].members.size()) {
    Bucket& b = buckets_[next_to_start_++];
    b.work = comm_->all_reduce_sum_async(b.flat);
  }
}

void GradientReducer::finish() {
  NoGradGuard no_grad;
  for (Bucket& b : buckets_) {
    for (std::size_t slot = 0; slot < b.members.size(); ++slot) {
      const std::size_t k = b.members[slot];
      if (ready_[k]) continue;
      const Tensor& p = parameters_[k].second;
      Tensor target = b.flat.narrow(0, b.offsets[slot], p.numel());
      if (p.grad().defined()) {
        target.copy_(p.grad().reshape({p.numel()}));
      } else {
        target.fill_(0.0);
      }
      ready_[k] = true;
      ++b.ready;
    }
  }
  start_ready_buckets();
  for (Bucket& b : buckets_) {
    b.work->wait();
    b.work.reset();
    for (std::size_t slot = 0; slot < b.members.size(); ++slot) {
      const Tensor& p = parameters_[b.members[slot]].second;
      p.impl()->autograd->grad = b.flat.narrow(0, b.offsets[slot], p.numel()).reshape(p.shape());
    }
    // The next step's sums go into a fresh buffer: this one now holds the gradients.
    b.flat = empty(b.flat.shape(), b.flat.options());
    b.ready = 0;
  }
  ready_.assign(ready_.size(), false);
  next_to_start_ = 0;
}

}  // namespace c2am::dist
