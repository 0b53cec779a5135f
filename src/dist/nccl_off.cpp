// Builds without NCCL (no CUDA, no NCCL found, or no MPI for its id).

#include "c2am/core/error.hpp"
#include "c2am/dist/communicator.hpp"

namespace c2am::dist {

bool nccl_available() { return false; }

std::shared_ptr<Communicator> nccl_world(std::shared_ptr<Communicator>, int) {
  throw Error("nccl_world: this build of c2am has no NCCL (it needs the CUDA backend, NCCL's nccl.h and libnccl, "
              "and MPI for the exchange of NCCL's id)");
}

}  // namespace c2am::dist
