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

std::shared_ptr<Communicator> single_process() { return std::make_shared<SingleProcess>(); }

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

Tensor gather_rows(const Tensor& local, Communicator& comm) {
  check(local.dim() >= 1, "gather_rows", "expected rows, got ", local.describe());
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
