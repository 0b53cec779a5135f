#pragma once
// Data-parallel training with the C²AM loss over the global batch.
//
// The C²AM loss is not a sum over images: every rank weight depends on the
// whole batch, so averaging per-process losses would change the method. As
// the release's DataParallel does, each process runs the model on its own
// images (batch norm with its own images' statistics), the fg/bg embeddings
// of all processes are gathered (N_global × C), every process computes the
// same loss on them and back-propagates into its own rows only, and the
// parameter gradients are then summed over processes. With the same initial
// weights on every process (broadcast_parameters), every process takes the
// same SGD step as one process running the per-process chunks of the global
// batch one after the other and the loss on their concatenated embeddings
// (docs/distributed.md).

#include "c2am/dist/communicator.hpp"
#include "c2am/loss/contrastive.hpp"
#include "c2am/nn/module.hpp"

namespace c2am::dist {

// The C²AM loss of the gathered embeddings. fg, bg: this process's N_r × C;
// the result is the global loss, the same on every process; its gradient
// reaches this process's rows only.
ContrastiveLossTerms contrastive_loss_global(const Tensor& fg, const Tensor& bg, double alpha, Communicator& comm,
                                             LossPath path = LossPath::automatic);

// Every parameter and buffer of `module` set to rank `root`'s values.
void broadcast_parameters(nn::Module& module, Communicator& comm, int root = 0);

// Sums the gradients of `parameters` over all processes, in place. Each
// process must hold gradients for the same parameters; a parameter without a
// gradient on this process contributes zeros. Gradients travel in flat
// buckets of at most `bucket_bytes` (one collective per bucket).
void all_reduce_gradients(const nn::NamedTensors& parameters, Communicator& comm,
                          std::size_t bucket_bytes = 25u << 20);

// all_reduce_gradients overlapped with the backward pass, as PyTorch's
// DistributedDataParallel does: parameters are grouped, in reverse order
// (the order backward finishes them), into buckets of at most
// `bucket_bytes`; as soon as every gradient of a bucket is final its sum over
// processes starts (a non-blocking collective) while backward goes on.
// Buckets start strictly in order on every process — a ready bucket waits
// for the earlier ones — so the collectives match across processes. One
// backward() per finish(): a second one before it throws.
class GradientReducer {
 public:
  GradientReducer(nn::NamedTensors parameters, std::shared_ptr<Communicator> comm,
                  std::size_t bucket_bytes = 25u << 20);
  ~GradientReducer();  // removes its hooks from the parameters
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // After backward(): starts the buckets backward did not (a parameter that
  // got no gradient contributes zeros), waits for all, and sets every
  // parameter's gradient to the sum over processes.
  void finish();

 private:
  friend void all_reduce_gradients(const nn::NamedTensors&, Communicator&, std::size_t);
  // `hooks` false: nothing starts during backward (all_reduce_gradients).
  GradientReducer(nn::NamedTensors parameters, std::shared_ptr<Communicator> comm, std::size_t bucket_bytes,
                  bool hooks);

  struct Bucket {
    std::vector<std::size_t> members;   // indices into parameters_
    std::vector<std::int64_t> offsets;  // of each member in `flat`
    Tensor flat;
    std::size_t ready = 0;
    std::unique_ptr<Communicator::Work> work;
  };
  void on_ready(std::size_t parameter);
  void start_ready_buckets();

  nn::NamedTensors parameters_;
  std::shared_ptr<Communicator> comm_;
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_, slot_of_;
  std::vector<bool> ready_;
  std::size_t next_to_start_ = 0;
  bool hooks_ = true;
};

}  // namespace c2am::dist
