#include "c2am/dist/communicator.hpp"

#include <cstdlib>
#include <numeric>

#include "c2am/autograd/grad_mode.hpp"
#include "c2am/autograd/node.hpp"
#include "c2am/core/error.hpp"
#include "c2am/ops/ops.hpp"

namespace c2am::dist {

namespace {

class SingleProcess : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backend() const override { return "single"; }
  void all_reduce_sum(Tensor&) override {}
  Tensor all_gather(const Tensor& t) override { return t; }
  std::vector<std::int64_t> row_counts(std::int64_t local_rows) override { return {local_rows}; }
  void broadcast(Tensor&, int root) override {
    check(root == 0, "broadcast", "root ", root, " out of range for 1 process");
  }
  void barrier() override {}
};

// Backward of gather_rows: this rank's slice of the gathered gradient.
class GatherRowsBackward : public autograd::Node {
 public:
  GatherRowsBackward(std::int64_t start, std::int64_t rows) : start_(start), rows_(rows) {}
  std::vector<Tensor> apply(const Tensor& grad) override { return {grad.narrow(0, start_, rows_).contiguous()}; }
  const char* name() const override { return "GatherRowsBackward"; }

 private:
  std::int64_t start_, rows_;
};

}  // namespace

namespace {
class Done : public Communicator::Work {
 public:
  void wait() override {}
  bool poll() override { return true; }
};
}  // namespace

std::unique_ptr<Communicator::Work> Communicator::all_reduce_sum_async(Tensor& t) {
  all_reduce_sum(t);
  return std::make_unique<Done>();
}

std::shared_ptr<Communicator> single_process() { return std::make_shared<SingleProcess>(); }

int local_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID", "LOCAL_RANK"}) {
    if (const char* value = std::getenv(name)) return std::atoi(value);
  }
  return 0;
}

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

void on_every_process(Communicator& comm, const std::function<void()>& action) {
  std::exception_ptr error;
  std::string message;
  try {
    action();
  } catch (const std::exception& e) {
    error = std::current_exception();
    message = e.what();
  }
  if (comm.size() == 1) {
    if (error) std::rethrow_exception(error);
    return;
  }
  // Which processes failed, then the first one's message.
  // Tensors where the communicator's collectives run (a GPU for NCCL).
  const TensorOptions where{DType::Int64, comm.device()};
  Tensor flags = zeros({comm.size()}, DType::Int64);
  flags.set({comm.rank()}, error ? 1.0 : 0.0);
  Tensor failed = flags.to(comm.device());
  comm.all_reduce_sum(failed);
  const std::vector<std::int64_t> any = failed.to(Device::cpu()).to_vector<std::int64_t>();
  int first = -1;
  for (int r = 0; r < comm.size() && first < 0; ++r) {
    if (any[static_cast<std::size_t>(r)] != 0) first = r;
  }
  if (first < 0) return;
  Tensor length = full({1}, static_cast<double>(message.size()), where);
  comm.broadcast(length, first);
  std::vector<std::int64_t> codes(static_cast<std::size_t>(length.to(Device::cpu()).item()));
  if (comm.rank() == first) {
    for (std::size_t i = 0; i < message.size(); ++i) codes[i] = static_cast<unsigned char>(message[i]);
  }
  if (!codes.empty()) {
    Tensor bytes = from_vector(codes, {static_cast<std::int64_t>(codes.size())}, where);
    comm.broadcast(bytes, first);
    codes = bytes.to(Device::cpu()).to_vector<std::int64_t>();
  }
  if (error) std::rethrow_exception(error);
  std::string text;
  for (std::int64_t b : codes) text.push_back(static_cast<char>(b));
  throw Error("process " + std::to_string(first) + " of " + std::to_string(comm.size()) + " stopped: " + text);
}

Tensor gather_rows(const Tensor& local, Communicator& comm) {
  C2AM_CHECK(local.dim() >= 1, "gather_rows", "expected rows, got ", local.describe());
  const std::vector<std::int64_t> counts = comm.row_counts(local.size(0));
  const std::int64_t start = std::accumulate(counts.begin(), counts.begin() + comm.rank(), std::int64_t{0});
  Tensor gathered;
  {
    NoGradGuard no_grad;
    gathered = comm.all_gather(local.detach().contiguous());
  }
  return autograd::record<GatherRowsBackward>(gathered, {local}, start, local.size(0));
}

}  // namespace c2am::dist
