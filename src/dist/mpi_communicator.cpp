// The MPI communicator (Open MPI, Debian's libopenmpi-dev): CPU tensors,
// MPI_COMM_WORLD, blocking collectives called from the main thread only
// (MPI_THREAD_FUNNELED; OpenMP threads never call MPI).

#include <mpi.h>

#include <cstdlib>
#include <mutex>

#include "c2am/core/error.hpp"
#include "c2am/dist/communicator.hpp"

namespace c2am::dist {

namespace {

void mpi_check(int status, const char* what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw Error(std::string("mpi: ") + what + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

MPI_Datatype mpi_type(const Tensor& t, const char* op) {
  C2AM_CHECK(t.device().is_cpu(), op, "the MPI communicator takes CPU tensors, got ", t.describe());
  switch (t.dtype()) {
    case DType::Float32: return MPI_FLOAT;
    case DType::Float64: return MPI_DOUBLE;
    case DType::Int64: return MPI_INT64_T;
    default: throw Error(std::string(op) + ": MPI collectives take float32, float64 or int64 tensors, got " + t.describe());
  }
}

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      mpi_check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      // Errors come back as status codes, turned into c2am::Error above,
      // instead of MPI aborting the job without a message.
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
      std::atexit([] {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Finalize();
      });
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  void all_reduce_sum(Tensor& t) override {
    C2AM_CHECK(t.is_contiguous(), "all_reduce_sum", "expected a contiguous tensor, got ", t.describe());
    const MPI_Datatype type = mpi_type(t, "all_reduce_sum");
    mpi_check(MPI_Allreduce(MPI_IN_PLACE, t.raw_data(), count(t), type, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    t.storage()->bump_version();
  }

  class Request : public Work {
   public:
    Request(MPI_Request request, Tensor t) : request_(request), tensor_(std::move(t)) {}
    ~Request() override {
      if (request_ != MPI_REQUEST_NULL) MPI_Wait(&request_, MPI_STATUS_IGNORE);
    }
    void wait() override {
      if (request_ == MPI_REQUEST_NULL) return;
      mpi_check(MPI_Wait(&request_, MPI_STATUS_IGNORE), "MPI_Wait");
      tensor_.storage()->bump_version();
    }
    bool poll() override {
      if (request_ == MPI_REQUEST_NULL) return true;
      int done = 0;
      mpi_check(MPI_Test(&request_, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done) tensor_.storage()->bump_version();
      return done != 0;
    }

   private:
    MPI_Request request_;
    Tensor tensor_;  // kept alive while MPI writes into it
  };

  std::unique_ptr<Work> all_reduce_sum_async(Tensor& t) override {
    C2AM_CHECK(t.is_contiguous(), "all_reduce_sum_async", "expected a contiguous tensor, got ", t.describe());
    const MPI_Datatype type = mpi_type(t, "all_reduce_sum_async");
    MPI_Request request = MPI_REQUEST_NULL;
    mpi_check(MPI_Iallreduce(MPI_IN_PLACE, t.raw_data(), count(t), type, MPI_SUM, MPI_COMM_WORLD, &request),
              "MPI_Iallreduce");
    return std::make_unique<Request>(request, t);
  }

  std::vector<std::int64_t> row_counts(std::int64_t local_rows) override {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(size_));
    mpi_check(MPI_Allgather(&local_rows, 1, MPI_INT64_T, counts.data(), 1, MPI_INT64_T, MPI_COMM_WORLD),
              "MPI_Allgather (row counts)");
    return counts;
  }

  Tensor all_gather(const Tensor& t_in) override {
    const Tensor t = t_in.contiguous();
    const MPI_Datatype type = mpi_type(t, "all_gather");
    const std::vector<std::int64_t> rows = row_counts(t.size(0));
    const std::int64_t row_size = t.size(0) > 0 ? t.numel() / t.size(0) : numel_of(Shape(t.shape().begin() + 1, t.shape().end()));
    std::vector<int> counts(rows.size()), displacements(rows.size());
    std::int64_t total = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      counts[r] = checked_int(rows[r] * row_size);
      displacements[r] = checked_int(total * row_size);
      total += rows[r];
    }
    Shape shape = t.shape();
    shape[0] = total;
    Tensor out = empty(shape, t.options());
    mpi_check(MPI_Allgatherv(t.raw_data(), count(t), type, out.raw_data(), counts.data(), displacements.data(), type,
                             MPI_COMM_WORLD),
              "MPI_Allgatherv");
    return out;
  }

  void broadcast(Tensor& t, int root) override {
    check(root >= 0 && root < size_, "broadcast", "root ", root, " out of range for ", size_, " processes");
    C2AM_CHECK(t.is_contiguous(), "broadcast", "expected a contiguous tensor, got ", t.describe());
    mpi_check(MPI_Bcast(t.raw_data(), count(t), mpi_type(t, "broadcast"), root, MPI_COMM_WORLD), "MPI_Bcast");
    t.storage()->bump_version();
  }

  void barrier() override { mpi_check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

 private:
  static int checked_int(std::int64_t n) {
    check(n <= 2147483647, "mpi", "a message of ", n, " elements is over MPI's int count limit");
    return static_cast<int>(n);
  }
  static int count(const Tensor& t) { return checked_int(t.numel()); }

  int rank_ = 0, size_ = 1;
};

}  // namespace

bool mpi_available() { return true; }

std::shared_ptr<Communicator> mpi_world() {
  static std::mutex mutex;
  static std::shared_ptr<Communicator> world;
  std::lock_guard<std::mutex> lock(mutex);
  if (!world) world = std::make_shared<MpiCommunicator>();
  return world;
}

}  // namespace c2am::dist
