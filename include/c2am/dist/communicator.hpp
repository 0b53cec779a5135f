#pragma once
// Data-parallel communication between processes (one per device or per CPU
// process), on existing engines: MPI (Open MPI, for CPU tensors) and, in CUDA
// builds with NCCL, NCCL for GPU tensors. A single-process communicator
// stands in when there is one process, so that training code is written once.
//
// Every rank must make the same calls in the same order (collectives). Tensors
// are float32 or float64 and live on the communicator's device kind.

#include <functional>
#include <memory>
#include <string>

#include "c2am/core/tensor.hpp"

namespace c2am::dist {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "single", "mpi" or "nccl".
  virtual std::string backend() const = 0;
  // Where its collectives' tensors live (the CPU, or an NCCL process's GPU).
  virtual Device device() const { return Device::cpu(); }

  // Sums `t` over all ranks in place (every rank ends with the sum). `t`
  // must be contiguous and the same shape on every rank.
  virtual void all_reduce_sum(Tensor& t) = 0;
  // Every rank's `t` ([n_r, ...], the trailing dimensions equal on all
  // ranks, n_r may differ) stacked along dimension 0 in rank order:
  // [Σ n_r, ...]. Not differentiable (see gather_rows).
  virtual Tensor all_gather(const Tensor& t) = 0;
  // The rows each rank contributes to all_gather, in rank order.
  virtual std::vector<std::int64_t> row_counts(std::int64_t local_rows) = 0;
  // A collective in flight: wait() blocks until it is done; poll() lets it
  // advance (MPI moves non-blocking collectives only inside MPI calls) and
  // says whether it is done.
  class Work {
   public:
    virtual ~Work() = default;
    virtual void wait() = 0;
    virtual bool poll() = 0;
  };
  // all_reduce_sum started without waiting; `t` must not be touched until
  // wait() returned. Every process must start its collectives in the same
  // order. The default runs the blocking one (NCCL's are already
  // asynchronous on the stream).
  virtual std::unique_ptr<Work> all_reduce_sum_async(Tensor& t);

  // Rank `root`'s `t` copied into every rank's `t` (same shape everywhere).
  virtual void broadcast(Tensor& t, int root) = 0;
  virtual void barrier() = 0;
};

// One process: rank 0 of 1; every collective is the identity.
std::shared_ptr<Communicator> single_process();

// True when this build has MPI.
bool mpi_available();
// MPI_COMM_WORLD (MPI initialized on first use with MPI_THREAD_FUNNELED and
// finalized at exit). Throws c2am::Error in builds without MPI.
std::shared_ptr<Communicator> mpi_world();
// True when this build has NCCL (CUDA builds that found it, with MPI for
// the exchange of NCCL's id).
bool nccl_available();
// An NCCL communicator over the processes of `bootstrap` (MPI): one process
// per GPU, this one on GPU `device`. Collectives take CUDA tensors on that
// GPU and are queued on the library's stream (cuda::stream_handle), ordered
// with c2am's own work without host synchronization; barrier() waits for
// the stream. Row counts and the id exchange go through `bootstrap`. Throws
// c2am::Error in builds without NCCL.
std::shared_ptr<Communicator> nccl_world(std::shared_ptr<Communicator> bootstrap, int device);
// This process's index among the processes on its machine, from the
// launcher's environment (OMPI_COMM_WORLD_LOCAL_RANK, MPI_LOCALRANKID,
// SLURM_LOCALID or LOCAL_RANK); 0 when none is set. The GPU of a process.
int local_rank();

// True when this process was started by mpirun/mpiexec (Open MPI's, MPICH's
// or a launcher's rank variables are set), without initializing MPI.
bool launched_by_mpi();

// Runs `action` on every process, then agrees: when it threw a c2am::Error
// (or another std::exception) on any process, every process throws — the
// failing one its own error, the others an Error naming the first failing
// process and carrying its message. So that one process's bad input (a
// missing file, a full disk) stops the whole job with the reason instead of
// leaving the others waiting in a collective.
void on_every_process(Communicator& comm, const std::function<void()>& action);

// all_gather with a gradient: the backward hands each rank the rows of the
// gathered tensor's gradient that its own input produced. Correct when every
// rank computes the same function of the gathered tensor (the C²AM loss on
// the global batch), whose gradient is then the same on every rank.
Tensor gather_rows(const Tensor& local, Communicator& comm);

}  // namespace c2am::dist
