// Builds without MPI: the single-process communicator only.

#include "c2am/core/error.hpp"
#include "c2am/dist/communicator.hpp"

namespace c2am::dist {

bool mpi_available() { return false; }

std::shared_ptr<Communicator> mpi_world() {
  throw Error("mpi_world: this build of c2am has no MPI (install libopenmpi-dev with scripts/install-deps.sh and "
              "configure again)");
}

}  // namespace c2am::dist
